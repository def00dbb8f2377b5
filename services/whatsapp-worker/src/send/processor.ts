import { DelayedError, type Job } from "bullmq";
import type { WorkerContext } from "../context.js";
import { SendError } from "../drivers/types.js";
import { announceStatus } from "./announce.js";
import { sendViaDriver } from "./driver-send.js";
import { claimForSend, jobMessageId } from "./intake.js";
import { endClaimed, handleSendFailure, recordSent } from "./outcome.js";
import { preSendCheck } from "./pre-send.js";
import type { SendSession } from "./session.js";
import { typeBeforeSend } from "./typing.js";

export { announceStatus } from "./announce.js";
export { retryDelayMs } from "./outcome.js";
export type { SendSession } from "./session.js";

const NOT_READY_DELAY_MS = 2000;
const UNEXPECTED_RETRY_MS = 5000;

/**
 * Processes one `{messageId}` job of a session's send queue, step by step: claim the row
 * (`intake.ts`: one `UPDATE … RETURNING`, → `sending` under our fencing token), the pre-send
 * check (`pre-send.ts`), pacing (`pacing.ts`), the send through the driver
 * (`driver-send.ts`), then the outcome (`outcome.ts`: `sent` + `wa_message_id` recorded
 * before the job completes; permanent errors fail the message at once with its quota unit
 * refunded; transient ones move the job back to delayed with backoff, counted in
 * `messages.attempts`).
 */
export async function processSendJob(
  ctx: WorkerContext,
  session: SendSession,
  job: Job,
  jobToken: string | undefined,
): Promise<string> {
  const messageId = jobMessageId(ctx, job);
  if (messageId === null) return "invalid";
  if (session.signal.aborted) throw new Error("session stopped before sending");
  if (!session.isReady()) {
    // Disconnected (a fetch may race the pause of the queue): wait, keep the row queued.
    await job.moveToDelayed(ctx.now().getTime() + NOT_READY_DELAY_MS, jobToken);
    throw new DelayedError();
  }

  const intake = await claimForSend(ctx, session, messageId);
  switch (intake.kind) {
    case "done":
      return intake.result;
    case "wait_until":
      await job.moveToDelayed(intake.at, jobToken);
      throw new DelayedError();
    case "already_sent":
      return recordSent(ctx, session, intake.row, intake.waMessageId, intake.row.sendToken);
  }
  const { row: claimed, previousStatus, previousSendingAt } = intake.claimed;
  if (previousStatus !== "sending") await announceStatus(ctx, session, claimed);

  if (previousStatus === "sending") {
    // An earlier attempt may have reached WhatsApp and died before recording it.
    const prior = await session.driver().findSent({
      to: claimed.recipient,
      reference: claimed.id,
      text: claimed.content,
      since: previousSendingAt ?? claimed.createdAt,
      type: claimed.type,
      payload: claimed.payload,
      media: claimed.media,
    });
    if (prior) return recordSent(ctx, session, claimed, prior.waMessageId, session.token);
  }

  const refusal = await preSendCheck(ctx, session, intake.claimed);
  if (refusal) {
    await endClaimed(ctx, session, claimed, refusal);
    return `${refusal.to}:${refusal.code}`;
  }

  try {
    await session.pacer
      .take(claimed.recipient, session.signal)
      .finally(ctx.metrics.pacingWait.startTimer());
    await typeBeforeSend(ctx, session, claimed);
    if (session.signal.aborted) throw new Error("session stopped before sending");
    const result = await sendViaDriver(ctx, session, claimed);
    return await recordSent(ctx, session, claimed, result.waMessageId, session.token);
  } catch (error) {
    if (error instanceof DelayedError) throw error;
    if (session.signal.aborted && !(error instanceof SendError)) throw error; // handed back by the caller
    return handleSendFailure(ctx, session, job, jobToken, claimed, error);
  }
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
