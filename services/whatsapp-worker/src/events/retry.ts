import { sql } from "drizzle-orm";
import type { WorkerContext } from "../context.js";

/** Backoff of event retries while the database is away: 100 ms doubling to 5 s. */
export const retryDelay = (attempt: number) => Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));

/**
 * Failures in a row, with the database answering, after which an event is given up as
 * broken (counted and logged) instead of retried for ever.
 */
export const MAX_FAILURES_WHILE_DB_UP = 5;

/** True when Postgres answers a trivial query. */
export async function databaseAnswers(ctx: WorkerContext): Promise<boolean> {
  try {
    await ctx.db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    timer.unref();
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Runs `fn` until it succeeds: while Postgres does not answer it retries with backoff for as
 * long as it takes; once the database answers and `fn` still failed
 * `MAX_FAILURES_WHILE_DB_UP` times, the last error is thrown. Aborting `signal` throws too.
 * `fn` must be safe to run again (one transaction, or idempotent steps).
 */
export async function untilDatabaseAnswers<T>(
  ctx: WorkerContext,
  fn: () => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  let failures = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (signal.aborted) throw error;
      if (await databaseAnswers(ctx)) {
        failures += 1;
        if (failures >= MAX_FAILURES_WHILE_DB_UP) throw error;
      }
      if (attempt === 0) ctx.logger.warn({ err: error }, "database write failed; retrying");
      await sleep(retryDelay(attempt), signal);
      if (signal.aborted) throw error;
    }
  }
}
