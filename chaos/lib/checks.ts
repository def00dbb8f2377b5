import type postgres from "postgres";

const SENT = new Set(["sent", "delivered", "read"]);

export interface Outcome {
  id: string;
  status: string | null;
  /** Times the simulator's WhatsApp servers were asked to deliver it (null: never). */
  sendCount: number | null;
  firstSentAt: Date | null;
}

/** The gateway's row and the simulator servers' record of each message, read from outside. */
export async function outcomes(sql: postgres.Sql, ids: string[]): Promise<Map<string, Outcome>> {
  const rows = await sql<
    { id: string; status: string; send_count: number | null; first_sent_at: Date | null }[]
  >`select m.id, m.status, d.send_count, d.first_sent_at
      from messages m left join simulator_deliveries d on d.reference = m.id
     where m.id = any(${ids})`;
  const found = new Map<string, Outcome>();
  for (const id of ids) found.set(id, { id, status: null, sendCount: null, firstSentAt: null });
  for (const row of rows) {
    found.set(row.id, {
      id: row.id,
      status: row.status,
      sendCount: row.send_count,
      firstSentAt: row.first_sent_at,
    });
  }
  return found;
}

export const isSent = (o: Outcome) =>
  o.status !== null && SENT.has(o.status) && (o.sendCount ?? 0) >= 1;

/** Every reference the simulator was asked to deliver more than once, anywhere. */
export async function duplicateDeliveries(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ reference: string }[]>`
    select reference from simulator_deliveries where send_count > 1`;
  return rows.map((r) => r.reference);
}

/** Earliest delivery that started after `since` (the first send after a fault). */
export async function firstDeliveryAfter(sql: postgres.Sql, since: Date): Promise<Date | null> {
  const [row] = await sql<{ at: Date | null }[]>`
    select min(first_sent_at) as at from simulator_deliveries where first_sent_at > ${since}`;
  return row?.at ?? null;
}
