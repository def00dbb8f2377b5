import type postgres from "postgres";

/** Creates the daily `api_logs` partitions from `from` for `days` more days; returns how many were new. */
export async function ensureApiLogPartitions(
  sql: postgres.Sql,
  from: Date,
  days: number,
): Promise<number> {
  const [row] = await sql<{ created: number }[]>`
    select wagate_ensure_api_log_partitions(${from.toISOString()}::timestamptz, ${days}) as created`;
  return row?.created ?? 0;
}

/** Drops every daily `api_logs` partition wholly before `cutoff`'s UTC day; returns how many. */
export async function dropApiLogPartitionsBefore(sql: postgres.Sql, cutoff: Date): Promise<number> {
  const [row] = await sql<{ dropped: number }[]>`
    select wagate_drop_api_log_partitions_before(${cutoff.toISOString()}::timestamptz) as dropped`;
  return row?.dropped ?? 0;
}
