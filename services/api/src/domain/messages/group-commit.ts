import { sendQueueName } from "@wagate/contracts";
import { type AcceptedMessageRow, enqueueSendJobs, insertAcceptedMessages } from "@wagate/core";
import type { messages } from "@wagate/db";
import type { AppDeps } from "../../lib/context.js";
import { queueFor } from "../../lib/queues.js";

/**
 * Group commit of the accept path (docs/internals.md "API side of sessions and messages"):
 * concurrent accepts share one multi-row INSERT (one commit, one fsync) and one BullMQ
 * `addBulk` per session queue. Each caller still learns its own outcome, and only after its
 * own row is committed and its own job exists:
 *
 * - `committed`: the row is in and its send job is queued;
 * - `enqueue_failed`: the row is in but its job could not be queued (the caller ends it);
 * - `skipped`: not inserted because its idempotency key is already held (the caller
 *   answers with the holder) — it never fails its neighbours;
 * - rejected with `BatchInsertError`: the statement failed for the whole batch (Postgres
 *   away, a failing trigger...), nothing of it was inserted and no job was queued;
 * - rejected with the row's own error: a batch that failed on a row's data (SQLSTATE class
 *   22 or 23, e.g. its session was deleted) is retried row by row, so only that row fails.
 *
 * Batches form on their own: a request waiting while `maxInFlight` batches are being
 * written joins the next one, so a lone request waits for nothing more than the next turn
 * of the event loop (or `maxWaitMs`, when set).
 */

type MessageValues = typeof messages.$inferInsert & {
  id: string;
  sessionId: string;
  status: "queued" | "scheduled";
};

export interface AcceptSubmission {
  values: MessageValues;
  /** Delay of the send job (a scheduled send), ms. */
  delayMs: number;
}

export type CommitOutcome =
  | { kind: "committed"; row: AcceptedMessageRow }
  | { kind: "enqueue_failed"; row: AcceptedMessageRow; error: unknown }
  | { kind: "skipped" };

/** The batch's INSERT failed as a whole: nothing of it was written, no job queued. */
export class BatchInsertError extends Error {
  constructor(
    public readonly batchSize: number,
    options: { cause: unknown },
  ) {
    super(`accept batch of ${batchSize} could not be inserted`, options);
    this.name = "BatchInsertError";
  }
}

export interface AcceptBatchOptions {
  /** Most accepts per INSERT. Default 100. */
  maxBatch: number;
  /**
   * Most batches being written at once (each holds one of the 10 pooled connections).
   * Default 8: on the shared 2-core machine 8 beat 3 and 1 in alternated runs (waiting for
   * a slot cost more than smaller batches).
   */
  maxInFlight: number;
  /** Extra wait before a batch is written, ms; 0 = the next turn of the event loop. */
  maxWaitMs: number;
}

const DEFAULTS: AcceptBatchOptions = { maxBatch: 100, maxInFlight: 8, maxWaitMs: 0 };

interface Pending extends AcceptSubmission {
  resolve: (outcome: CommitOutcome) => void;
  reject: (error: unknown) => void;
}

/** SQLSTATE of a Postgres error (or one it wraps, as Drizzle does). */
export function sqlState(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = e.cause;
  }
  return undefined;
}

/** A failure caused by a row's values (data exception, integrity violation), not the batch. */
const rowCaused = (error: unknown) => /^2[23]/.test(sqlState(error) ?? "");

export class AcceptBatcher {
  private waiting: Pending[] = [];
  private inFlight = 0;
  private timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | null = null;
  readonly options: AcceptBatchOptions;
  /** Sizes of the batches written, for tests and the benchmark (last 1 000). */
  readonly batchSizes: number[] = [];

  constructor(
    private readonly deps: AppDeps,
    options: Partial<AcceptBatchOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Resolves once this row is committed and its job queued (or with why not). */
  submit(submission: AcceptSubmission): Promise<CommitOutcome> {
    return new Promise<CommitOutcome>((resolve, reject) => {
      this.waiting.push({ ...submission, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.waiting.length === 0 || this.inFlight >= this.options.maxInFlight) return;
    if (this.waiting.length >= this.options.maxBatch) {
      this.clearTimer();
      this.start();
      return;
    }
    if (this.timer) return;
    this.timer =
      this.options.maxWaitMs > 0
        ? setTimeout(() => this.start(), this.options.maxWaitMs)
        : setImmediate(() => this.start());
  }

  private clearTimer(): void {
    if (!this.timer) return;
    clearTimeout(this.timer as ReturnType<typeof setTimeout>);
    clearImmediate(this.timer as ReturnType<typeof setImmediate>);
    this.timer = null;
  }

  private start(): void {
    this.timer = null;
    while (this.waiting.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.commit(batch)
        // A bug past the insert must not leave callers waiting (settled ones ignore it).
        .catch((error) => {
          for (const pending of batch) pending.reject(error);
        })
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    let rows: AcceptedMessageRow[];
    try {
      rows = await insertAcceptedMessages(
        this.deps.db,
        batch.map((p) => p.values),
      );
      this.batchSizes.push(batch.length);
      if (this.batchSizes.length > 1000) this.batchSizes.shift();
    } catch (error) {
      if (batch.length > 1 && rowCaused(error)) {
        // Some row is bad: alone, each one passes or fails on its own.
        for (const pending of batch) await this.commit([pending]);
        return;
      }
      for (const pending of batch) {
        pending.reject(
          batch.length === 1 && rowCaused(error)
            ? error
            : new BatchInsertError(batch.length, { cause: error }),
        );
      }
      return;
    }
    const inserted = new Map(rows.map((row) => [row.id, row]));
    const bySession = new Map<string, Array<{ pending: Pending; row: AcceptedMessageRow }>>();
    for (const pending of batch) {
      const row = inserted.get(pending.values.id);
      if (!row) {
        pending.resolve({ kind: "skipped" });
        continue;
      }
      const group = bySession.get(pending.values.sessionId) ?? [];
      group.push({ pending, row });
      bySession.set(pending.values.sessionId, group);
    }
    await Promise.all(
      [...bySession].map(async ([sessionId, group]) => {
        try {
          await enqueueSendJobs(
            queueFor(this.deps, sendQueueName(sessionId)),
            group.map(({ pending }) => ({
              messageId: pending.values.id,
              delayMs: pending.delayMs,
            })),
          );
        } catch (error) {
          for (const { pending, row } of group) {
            pending.resolve({ kind: "enqueue_failed", row, error });
          }
          return;
        }
        for (const { pending, row } of group) pending.resolve({ kind: "committed", row });
      }),
    );
  }
}

/** The group committer of this API instance, built at start-up (`withApiState`, `deps.ts`). */
export const getAcceptBatcher = (deps: AppDeps): AcceptBatcher => deps.state.batcher;

/**
 * Replaces this instance's group committer with one of these options (tests, benchmarks;
 * the process itself builds its one at start-up).
 */
export function configureAcceptBatching(
  deps: AppDeps,
  options: Partial<AcceptBatchOptions>,
): AcceptBatcher {
  const batcher = new AcceptBatcher(deps, options);
  deps.state.batcher = batcher;
  return batcher;
}
