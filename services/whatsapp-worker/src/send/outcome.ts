import {
  CLAIMABLE_STATUSES,
  endUnsent,
  type MessageRow,
  recordMessageSent,
  restoreAttempts,
} from "@wagate/core";
import { messages } from "@wagate/db";
import { eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import { SendError } from "../drivers/types.js";
import { announceStatus } from "./announce.js";
import type { SendSession } from "./session.js";

/**
 * What became of one send job: finished with a result, to run again at `at` (moved to
 * delayed), or an unexpected error (handed back: see `settleJob` in `processor.ts`).
 */
export type JobOutcome =
  | { kind: "done"; result: string }
  | { kind: "delayed"; at: number }
  | { kind: "error"; error: unknown };

export const done = (result: string): JobOutcome => ({ kind: "done", result });

/** Retry delay after `attempt` failed: base·2^(attempt-1), ±25 % jitter, capped at 10 min. */
export function retryDelayMs(baseMs: number, attempt: number, random = Math.random): number {
  const raw = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 600_000);
  return Math.round(raw * (0.75 + random() * 0.5));
}

/**
 * Records a send WhatsApp accepted: `sent` + `wa_message_id` in one statement under `token`,
 * announced, then the acks that beat it are applied on the session's ack path.
 */
export async function recordSent(
  ctx: WorkerContext,
  session: SendSession,
  row: MessageRow,
  waMessageId: string,
  token: number | null,
): Promise<string> {
  const now = ctx.now();
  ctx.ackBatch.recordingSent(session.sessionId, waMessageId);
  const sent = await recordMessageSent(ctx.db, row, { waMessageId, token, now }).finally(() =>
    ctx.ackBatch.recorded(session.sessionId, waMessageId),
  );
  return afterRecorded(ctx, session, row, sent, now);
}

/** Metrics, announcement and the acks that beat the record, for one recorded send. */
async function afterRecorded(
  ctx: WorkerContext,
  session: SendSession,
  row: MessageRow,
  sent: MessageRow | null,
  now: Date,
): Promise<string> {
  if (!sent) {
    ctx.logger.warn(
      { messageId: row.id },
      "sent message not recorded: the row moved on or a newer owner holds it",
    );
    return "skipped:fenced";
  }
  const acceptedAt =
    row.scheduledAt && row.scheduledAt > row.createdAt ? row.scheduledAt : row.createdAt;
  ctx.metrics.sendLatency.observe(Math.max(0, (now.getTime() - acceptedAt.getTime()) / 1000));
  await announceStatus(ctx, session, sent);
  // Acks that beat this update are applied on the session's ack path; the job need not wait.
  const waMessageId = sent.waMessageId ?? "";
  void session
    .flushPendingAcks(waMessageId)
    .catch((error) =>
      ctx.logger.warn({ err: error, messageId: row.id }, "pending acks not applied"),
    );
  return "sent";
}

/**
 * Records the sends of one batch WhatsApp accepted under our token in ONE statement
 * (`recordMessagesSent`, shared with the worker's other sessions: `ctx.sendWrites`), then
 * announces each. Each send was marked `recordingSent` when
 * the driver answered, so its acks wait for this record. Results in input order; a failed
 * statement rejects (the jobs are handed back; the next claim finds the sends by `findSent`).
 */
export async function recordSentBatch(
  ctx: WorkerContext,
  session: SendSession,
  sends: Array<{ row: MessageRow; waMessageId: string }>,
): Promise<string[]> {
  if (sends.length === 0) return [];
  const now = ctx.now();
  let rows: Array<MessageRow | null>;
  try {
    rows = await ctx.sendWrites.records.submit(
      sends.map((s) => ({ messageId: s.row.id, waMessageId: s.waMessageId, token: session.token })),
    );
  } finally {
    for (const s of sends) ctx.ackBatch.recorded(session.sessionId, s.waMessageId);
  }
  const results: string[] = [];
  for (const [k, s] of sends.entries()) {
    results.push(await afterRecorded(ctx, session, s.row, rows[k] ?? null, now));
  }
  return results;
}

/**
 * Ends a claimed message unsent (`failed` with a stable code, or `cancelled`) under our
 * fencing token: quota unit given back and `message.status` announced, once.
 */
export async function endClaimed(
  ctx: WorkerContext,
  session: SendSession,
  row: MessageRow,
  end: { to: "failed" | "cancelled"; code: string; message: string },
): Promise<void> {
  await endUnsent(ctx, row, {
    to: end.to,
    from: CLAIMABLE_STATUSES,
    error: { code: end.code, message: end.message },
    forgetSecret: true,
    where: eq(messages.sendToken, session.token),
    now: ctx.now(),
    announce: (ended) => announceStatus(ctx, session, ended),
  });
}

/**
 * What a failed try leads to: `rate_limited` pauses the session and re-delays the job
 * without spending the attempt; a permanent error fails the message at once; a transient
 * one re-delays the job with backoff until `sendMaxAttempts`, then `attempts_exhausted`.
 * Returns what becomes of the job (done, or delayed until when).
 */
export async function handleSendFailure(
  ctx: WorkerContext,
  session: SendSession,
  claimed: MessageRow,
  error: unknown,
): Promise<JobOutcome> {
  const failure =
    error instanceof SendError
      ? error
      : new SendError("send_failed", error instanceof Error ? error.message : String(error), false);
  const attempt = claimed.attempts;
  if (failure.code === "rate_limited") {
    // WhatsApp pushes back: pause the whole session; this try does not count as an attempt.
    const pauseMs = failure.retryAfterMs ?? ctx.options.pacing.rateLimitPauseMs;
    session.pacer.pause(pauseMs);
    await restoreAttempts(ctx.db, claimed);
    ctx.logger.warn(
      { sessionId: session.sessionId, pauseMs },
      "rate limited by WhatsApp; session paused",
    );
    return { kind: "delayed", at: ctx.now().getTime() + pauseMs };
  }
  if (failure.permanent) {
    await endClaimed(ctx, session, claimed, {
      to: "failed",
      code: failure.code,
      message: failure.message,
    });
    return done(`failed:${failure.code}`);
  }
  if (attempt >= ctx.options.sendMaxAttempts) {
    await endClaimed(ctx, session, claimed, {
      to: "failed",
      code: "attempts_exhausted",
      message: `${failure.code}: ${failure.message}`,
    });
    return done("failed:attempts_exhausted");
  }
  const delay = retryDelayMs(ctx.options.retryBaseMs, attempt);
  ctx.logger.info(
    { messageId: claimed.id, attempt, delay, code: failure.code },
    "send failed; retrying",
  );
  return { kind: "delayed", at: ctx.now().getTime() + delay };
}
