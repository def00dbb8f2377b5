import {
  CLAIMABLE_STATUSES,
  endUnsent,
  type MessageRow,
  recordMessageSent,
  restoreAttempts,
} from "@wagate/core";
import { messages } from "@wagate/db";
import { DelayedError, type Job } from "bullmq";
import { eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import { SendError } from "../drivers/types.js";
import { announceStatus } from "./announce.js";
import type { SendSession } from "./session.js";

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
  void session
    .flushPendingAcks(waMessageId)
    .catch((error) =>
      ctx.logger.warn({ err: error, messageId: row.id }, "pending acks not applied"),
    );
  return "sent";
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
 * Returns the job's result, or throws `DelayedError` after moving the job back to delayed.
 */
export async function handleSendFailure(
  ctx: WorkerContext,
  session: SendSession,
  job: Job,
  jobToken: string | undefined,
  claimed: MessageRow,
  error: unknown,
): Promise<string> {
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
    await job.moveToDelayed(ctx.now().getTime() + pauseMs, jobToken);
    throw new DelayedError();
  }
  if (failure.permanent) {
    await endClaimed(ctx, session, claimed, {
      to: "failed",
      code: failure.code,
      message: failure.message,
    });
    return `failed:${failure.code}`;
  }
  if (attempt >= ctx.options.sendMaxAttempts) {
    await endClaimed(ctx, session, claimed, {
      to: "failed",
      code: "attempts_exhausted",
      message: `${failure.code}: ${failure.message}`,
    });
    return "failed:attempts_exhausted";
  }
  const delay = retryDelayMs(ctx.options.retryBaseMs, attempt);
  ctx.logger.info(
    { messageId: claimed.id, attempt, delay, code: failure.code },
    "send failed; retrying",
  );
  await job.moveToDelayed(ctx.now().getTime() + delay, jobToken);
  throw new DelayedError();
}
