import { type MessageStatus, parseJob, sendJobSchema } from "@wagate/contracts";
import {
  announceMessageStatus,
  claimMessage,
  endUnsent,
  recordMessageSent,
  restoreAttempts,
} from "@wagate/core";
import { messages } from "@wagate/db";
import { DelayedError, type Job } from "bullmq";
import { eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import { SendError, type WhatsAppDriver } from "../drivers/types.js";
import { emitAlone } from "../events/emit.js";
import { untilDatabaseAnswers } from "../events/retry.js";
import { dispatchSend } from "./dispatch.js";
import type { SessionPacer } from "./pacing.js";

type MessageRow = typeof messages.$inferSelect;

const SENDABLE: MessageStatus[] = ["queued", "scheduled", "sending"];
const NOT_READY_DELAY_MS = 2000;
const UNEXPECTED_RETRY_MS = 5000;

/** The owned session a send job runs in (see `SessionRuntime`). */
export interface SendSession {
  sessionId: string;
  /** Fencing token of our lease: stamped on the row; a newer owner's token wins. */
  token: number;
  /** For the wire shape of `message.status` payloads. */
  wire: () => { name: string; phoneNumber: string | null };
  driver: () => WhatsAppDriver;
  pacer: SessionPacer;
  /** Aborted when the session stops or its lease is lost: no new send starts. */
  signal: AbortSignal;
  /** True while the driver is connected; jobs taken otherwise wait without using an attempt. */
  isReady: () => boolean;
  /** Applies acks that arrived before the send was recorded. */
  flushPendingAcks: (waMessageId: string) => Promise<void>;
}

/** Retry delay after `attempt` failed: base·2^(attempt-1), ±25 % jitter, capped at 10 min. */
export function retryDelayMs(baseMs: number, attempt: number, random = Math.random): number {
  const raw = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 600_000);
  return Math.round(raw * (0.75 + random() * 0.5));
}

/**
 * Emits `message.status` for a row a lifecycle verb returned, and counts it. The event is
 * retried while Postgres does not answer (the status change is already committed); a
 * failure with the database answering is logged, never fails the send.
 */
export async function announceStatus(ctx: WorkerContext, session: SendSession, row: MessageRow) {
  if (row.status !== "sending") {
    ctx.metrics.messages.inc({ status: row.status, error_code: row.errorCode ?? "" });
  }
  await announceMessageStatus(
    {
      logger: ctx.logger,
      now: ctx.now(),
      emit: (input) => untilDatabaseAnswers(ctx, () => emitAlone(ctx, input), session.signal),
    },
    row,
    session.wire(),
  );
}

/**
 * Processes one `{messageId}` job of a session's send queue. The row is the truth: only
 * `queued`/`scheduled`/`sending` rows are sent; the row moves to `sending` under our fencing
 * token, and `wa_message_id` + `sent` are recorded before the job completes. Permanent
 * errors fail the message at once (quota unit refunded); transient ones are retried by
 * moving the job back to delayed with backoff, counted in `messages.attempts`.
 */
export async function processSendJob(
  ctx: WorkerContext,
  session: SendSession,
  job: Job,
  jobToken: string | undefined,
): Promise<string> {
  let messageId: string;
  try {
    ({ messageId } = parseJob(job.queueName, sendJobSchema, job.data));
  } catch (error) {
    ctx.logger.error({ err: error, jobId: job.id }, "send job with an invalid payload dropped");
    return "invalid";
  }
  const [row] = await ctx.db.select().from(messages).where(eq(messages.id, messageId)).limit(1);
  if (row?.direction !== "outbound" || row.sessionId !== session.sessionId) {
    ctx.logger.warn(
      { messageId, sessionId: session.sessionId },
      "send job without a matching message",
    );
    return "missing";
  }
  if (!SENDABLE.includes(row.status)) return `skipped:${row.status}`;
  const now = ctx.now();
  if (row.scheduledAt && row.scheduledAt.getTime() - now.getTime() > 1000) {
    // Enqueued early (e.g. re-enqueued by the reconciler): wait for its time.
    await job.moveToDelayed(row.scheduledAt.getTime(), jobToken);
    throw new DelayedError();
  }
  if (row.status === "sending" && row.waMessageId) {
    // Sent by an earlier attempt that died before completing the job: never send twice.
    return recordSent(ctx, session, row, row.waMessageId, row.sendToken);
  }
  if (session.signal.aborted) throw new Error("session stopped before sending");
  if (!session.isReady()) {
    // Disconnected (a fetch may race the pause of the queue): wait, keep the row queued.
    await job.moveToDelayed(now.getTime() + NOT_READY_DELAY_MS, jobToken);
    throw new DelayedError();
  }

  const attempt = row.attempts + 1;
  const claimed = await claimMessage(ctx.db, row.id, {
    from: SENDABLE,
    token: session.token,
    attempts: attempt,
    now,
  });
  if (!claimed) return "skipped:raced";
  if (row.status !== "sending") await announceStatus(ctx, session, claimed);

  if (row.status === "sending") {
    // An earlier attempt may have reached WhatsApp and died before recording it.
    const prior = await session.driver().findSent({
      to: row.recipient,
      reference: row.id,
      text: row.content,
      since: row.sendingAt ?? row.createdAt,
    });
    if (prior) return recordSent(ctx, session, claimed, prior.waMessageId, session.token);
  }

  try {
    await session.pacer.take(row.recipient, session.signal);
    if (session.signal.aborted) throw new Error("session stopped before sending");
    const result = await dispatchSend(
      session.driver(),
      row,
      { maxBytes: ctx.options.mediaMaxBytes, allowPrivate: ctx.options.allowPrivateUrls },
      {
        db: ctx.db,
        now: ctx.now,
        warn: (err) => ctx.logger.warn({ err, messageId: row.id }, "contact not updated"),
      },
    );
    return await recordSent(ctx, session, claimed, result.waMessageId, session.token);
  } catch (error) {
    if (error instanceof DelayedError) throw error;
    if (session.signal.aborted && !(error instanceof SendError)) throw error; // handed back by the caller
    const failure =
      error instanceof SendError
        ? error
        : new SendError(
            "send_failed",
            error instanceof Error ? error.message : String(error),
            false,
          );
    if (failure.code === "rate_limited") {
      // WhatsApp pushes back: pause the whole session; this try does not count as an attempt.
      const pauseMs = failure.retryAfterMs ?? ctx.options.pacing.rateLimitPauseMs;
      session.pacer.pause(pauseMs);
      await restoreAttempts(ctx.db, row);
      ctx.logger.warn(
        { sessionId: session.sessionId, pauseMs },
        "rate limited by WhatsApp; session paused",
      );
      await job.moveToDelayed(ctx.now().getTime() + pauseMs, jobToken);
      throw new DelayedError();
    }
    if (failure.permanent) {
      await failMessage(ctx, session, claimed, failure.code, failure.message);
      return `failed:${failure.code}`;
    }
    if (attempt >= ctx.options.sendMaxAttempts) {
      await failMessage(
        ctx,
        session,
        claimed,
        "attempts_exhausted",
        `${failure.code}: ${failure.message}`,
      );
      return "failed:attempts_exhausted";
    }
    const delay = retryDelayMs(ctx.options.retryBaseMs, attempt);
    ctx.logger.info(
      { messageId: row.id, attempt, delay, code: failure.code },
      "send failed; retrying",
    );
    await job.moveToDelayed(ctx.now().getTime() + delay, jobToken);
    throw new DelayedError();
  }
}

async function recordSent(
  ctx: WorkerContext,
  session: SendSession,
  row: MessageRow,
  waMessageId: string,
  token: number | null,
): Promise<string> {
  const now = ctx.now();
  const sent = await recordMessageSent(ctx.db, row, { waMessageId, token, now });
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
  // Acks that beat this update are applied on the session's ack chain; the job need not wait.
  void session
    .flushPendingAcks(waMessageId)
    .catch((error) =>
      ctx.logger.warn({ err: error, messageId: row.id }, "pending acks not applied"),
    );
  return "sent";
}

/** Fails the message with a stable code and gives its quota unit back, once. */
async function failMessage(
  ctx: WorkerContext,
  session: SendSession,
  row: MessageRow,
  code: string,
  message: string,
): Promise<void> {
  await endUnsent(ctx, row, {
    to: "failed",
    from: SENDABLE,
    error: { code, message },
    forgetSecret: true,
    where: eq(messages.sendToken, session.token),
    now: ctx.now(),
    announce: (failed) => announceStatus(ctx, session, failed),
  });
}

/**
 * `processSendJob` for a BullMQ worker: anything unexpected (the session stopping under the
 * job, a database or Redis error) hands the job back as delayed instead of failing it (send
 * jobs have one BullMQ attempt; the worker counts its own in the row), at once when the
 * session stopped (the next owner takes it), else after `UNEXPECTED_RETRY_MS`.
 */
export async function runSendJob(
  ctx: WorkerContext,
  session: SendSession,
  job: Job,
  jobToken: string | undefined,
): Promise<string> {
  try {
    return await processSendJob(ctx, session, job, jobToken);
  } catch (error) {
    if (error instanceof DelayedError) throw error;
    const stopping = session.signal.aborted;
    if (!stopping)
      ctx.logger.error({ err: error, jobId: job.id }, "send job failed unexpectedly; retrying");
    try {
      await job.moveToDelayed(Date.now() + (stopping ? 0 : UNEXPECTED_RETRY_MS), jobToken);
    } catch {
      throw error; // the lock is gone (e.g. force-closed): the stalled check returns the job
    }
    throw new DelayedError();
  }
}
