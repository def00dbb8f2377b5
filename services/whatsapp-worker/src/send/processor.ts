import type { ClaimedMessage, MessageRow } from "@wagate/core";
import { DelayedError, type Job } from "bullmq";
import type { WorkerContext } from "../context.js";
import { SendError } from "../drivers/types.js";
import { announceStatus } from "./announce.js";
import { sendViaDriver } from "./driver-send.js";
import { claimBatch, explainUnclaimed, jobMessageId } from "./intake.js";
import {
  done,
  endClaimed,
  handleSendFailure,
  type JobOutcome,
  recordSent,
  recordSentBatch,
} from "./outcome.js";
import { broadcastSpacing } from "./pacing.js";
import { preSendCheck } from "./pre-send.js";
import type { SendSession } from "./session.js";
import { typeBeforeSend } from "./typing.js";

export { announceStatus } from "./announce.js";
export type { JobOutcome } from "./outcome.js";
export { retryDelayMs } from "./outcome.js";
export type { SendSession } from "./session.js";

const NOT_READY_DELAY_MS = 2000;
const UNEXPECTED_RETRY_MS = 5000;

/** A send job this process holds, with the lock token it holds it by. */
export interface HeldJob {
  job: Job;
  token: string | undefined;
}

/** One job's next step after the loop over the batch: its outcome, or a send to record. */
type Step = JobOutcome | { kind: "record"; row: MessageRow; waMessageId: string };

/** A batch after its sends: outcomes so far, and the sends to record. */
interface SentBatch {
  outcomes: Array<JobOutcome | undefined>;
  toRecord: Array<{ index: number; row: MessageRow; waMessageId: string }>;
}

/**
 * Processes a batch of `{messageId}` jobs of one session's send queue, in queue order:
 * claim every message in ONE statement (`intake.ts`: → `sending` under our fencing token),
 * then for each message in turn the pre-send check (`pre-send.ts`), pacing (`pacing.ts`) and
 * the send through the driver (`driver-send.ts`), then record every send WhatsApp accepted
 * in ONE statement (`outcome.ts`: `sent` + `wa_message_id`, before any job completes).
 * Permanent errors fail a message at once with its quota unit refunded; transient ones move
 * its job back to delayed with backoff, counted in `messages.attempts`. Never throws: every
 * job gets an outcome (an unexpected error is `{kind: "error"}`). A batch of one is the
 * classic one-job-at-a-time path; batches are only formed for unpaced sessions (see
 * `runSendJob`).
 */
export async function processSendBatch(
  ctx: WorkerContext,
  session: SendSession,
  jobs: HeldJob[],
): Promise<JobOutcome[]> {
  return recordBatch(ctx, session, await sendBatch(ctx, session, jobs));
}

/** Claims and sends a batch (see `processSendBatch`), up to the record. Never throws. */
async function sendBatch(
  ctx: WorkerContext,
  session: SendSession,
  jobs: HeldJob[],
): Promise<SentBatch> {
  const outcomes: Array<JobOutcome | undefined> = jobs.map(() => undefined);
  const toRecord: SentBatch["toRecord"] = [];
  const ids = jobs.map(({ job }) => jobMessageId(ctx, job));
  const live: number[] = [];
  ids.forEach((id, i) => {
    if (id === null) outcomes[i] = done("invalid");
    else live.push(i);
  });
  const all = (outcome: JobOutcome) => {
    for (const i of live) outcomes[i] ??= outcome;
    return { outcomes, toRecord };
  };
  if (live.length === 0) return { outcomes, toRecord };
  if (session.signal.aborted) return all({ kind: "error", error: stoppedError() });
  if (!session.isReady()) {
    // Disconnected (a fetch may race the pause of the queue): wait, keep the rows queued.
    return all({ kind: "delayed", at: ctx.now().getTime() + NOT_READY_DELAY_MS });
  }

  let claimed: Map<string, ClaimedMessage>;
  try {
    claimed = await claimBatch(
      ctx,
      session,
      live.map((i) => ids[i]!),
    );
  } catch (error) {
    return all({ kind: "error", error });
  }

  for (const i of live) {
    try {
      const step = await sendOne(ctx, session, ids[i]!, claimed.get(ids[i]!) ?? null);
      if (step.kind === "record") toRecord.push({ index: i, ...step });
      else outcomes[i] = step;
    } catch (error) {
      outcomes[i] = { kind: "error", error };
    }
  }
  return { outcomes, toRecord };
}

/** Records a batch's sends in one statement; every job's outcome. Never throws. */
async function recordBatch(
  ctx: WorkerContext,
  session: SendSession,
  { outcomes, toRecord }: SentBatch,
): Promise<JobOutcome[]> {
  try {
    const results = await recordSentBatch(ctx, session, toRecord);
    toRecord.forEach(({ index }, k) => {
      outcomes[index] = done(results[k]!);
    });
  } catch (error) {
    // Not recorded: the jobs are handed back; their next claim finds the sends (findSent).
    for (const { index } of toRecord) outcomes[index] = { kind: "error", error };
  }
  return outcomes.map(
    (outcome) => outcome ?? { kind: "error", error: new Error("send job left without an outcome") },
  );
}

const stoppedError = () => new Error("session stopped before sending");

/** One claimed (or unclaimed) message of a batch, up to the driver's answer. */
async function sendOne(
  ctx: WorkerContext,
  session: SendSession,
  messageId: string,
  claim: ClaimedMessage | null,
): Promise<Step> {
  if (!claim) {
    const intake = await explainUnclaimed(ctx, session, messageId);
    switch (intake.kind) {
      case "done":
        return done(intake.result);
      case "wait_until":
        return { kind: "delayed", at: intake.at };
      case "already_sent":
        return done(
          await recordSent(ctx, session, intake.row, intake.waMessageId, intake.row.sendToken),
        );
    }
  }
  const { row: claimed, previousStatus, previousSendingAt } = claim;
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
    if (prior) {
      ctx.ackBatch.recordingSent(session.sessionId, prior.waMessageId);
      return { kind: "record", row: claimed, waMessageId: prior.waMessageId };
    }
  }

  const refusal = await preSendCheck(ctx, session, claim);
  if (refusal) {
    await endClaimed(ctx, session, claimed, refusal);
    return done(`${refusal.to}:${refusal.code}`);
  }

  try {
    await session.pacer
      .take(
        claimed.recipient,
        session.signal,
        broadcastSpacing(claimed.broadcastId, claim.broadcastRatePerMinute),
      )
      .finally(ctx.metrics.pacingWait.startTimer());
    await typeBeforeSend(ctx, session, claimed);
    if (session.signal.aborted) throw stoppedError();
    const result = await sendViaDriver(ctx, session, claimed);
    // Its acks (they may come at once) wait for the batch's record instead of looking for
    // a row that is not `sent` yet.
    ctx.ackBatch.recordingSent(session.sessionId, result.waMessageId);
    return { kind: "record", row: claimed, waMessageId: result.waMessageId };
  } catch (error) {
    if (session.signal.aborted && !(error instanceof SendError)) throw error; // handed back
    return handleSendFailure(ctx, session, claimed, error);
  }
}

/** Batches one processor call takes at most before it lets BullMQ complete its job. */
const MAX_ROUNDS = 8;

/**
 * The processor of a session's BullMQ `Worker` (concurrency 1): `job`, plus, for an unpaced
 * session (`session.batchSize()` > 1), the jobs right behind it taken with `more` in queue
 * order (their locks kept by us while they are held), processed in batches
 * (`processSendBatch`): while one batch is being recorded, the next is taken, claimed and
 * sent (sends stay one at a time in queue order), up to `MAX_ROUNDS` batches. The taken jobs
 * are settled here once their batch is recorded; `job`'s outcome is returned to BullMQ (a
 * result, or `DelayedError` after moving it back). Anything unexpected (the session stopping
 * under the job, a database or Redis error) hands a job back as delayed instead of failing
 * it (send jobs have one BullMQ attempt; the worker counts its own in the row), at once when
 * the session stopped (the next owner takes it), else after `UNEXPECTED_RETRY_MS`.
 */
export async function runSendJob(
  ctx: WorkerContext,
  session: SendSession,
  job: Job,
  jobToken: string | undefined,
  more?: () => Promise<HeldJob | undefined>,
): Promise<string> {
  const size = more ? session.batchSize() : 1;
  const taken = new Set<HeldJob>();
  const locks = keepLocks(ctx, taken);
  const recording: Array<Promise<void>> = [];
  let first: JobOutcome | undefined;
  try {
    let batch: HeldJob[] = [{ job, token: jobToken }, ...(await take(more, size - 1))];
    for (let round = 1; ; round++) {
      for (const held of batch) if (held.job !== job) taken.add(held);
      const sent = await sendBatch(ctx, session, batch);
      const jobs = batch;
      recording.push(
        recordBatch(ctx, session, sent).then((outcomes) =>
          Promise.all(
            jobs.map(async (held, k) => {
              if (held.job === job) first = outcomes[k];
              else {
                await settleTaken(ctx, session, held, outcomes[k]!);
                taken.delete(held);
              }
            }),
          ).then(() => {}),
        ),
      );
      if (round >= MAX_ROUNDS || batch.length < size || session.signal.aborted) break;
      batch = await take(more, size);
      if (batch.length === 0) break;
    }
    await Promise.all(recording);
  } finally {
    clearInterval(locks);
  }
  const outcome: JobOutcome = first ?? { kind: "error", error: new Error("no outcome") };
  if (outcome.kind === "done") return outcome.result;
  const at = outcome.kind === "delayed" ? outcome.at : unexpected(ctx, session, job, outcome.error);
  try {
    await job.moveToDelayed(at, jobToken);
  } catch (error) {
    // The lock is gone (e.g. force-closed): the stalled check returns the job.
    throw outcome.kind === "error" ? outcome.error : error;
  }
  throw new DelayedError();
}

/** Jobs asked for at once while taking a batch. */
const TAKE_CHUNK = 16;

/**
 * Up to `count` next waiting jobs, in queue order. Asked for `TAKE_CHUNK` at a time: the
 * commands of a chunk go out on one connection in call order, so Redis hands the jobs out in
 * that order; a chunk that comes back short means the queue is empty for now.
 */
async function take(
  more: (() => Promise<HeldJob | undefined>) | undefined,
  count: number,
): Promise<HeldJob[]> {
  const taken: HeldJob[] = [];
  while (more && taken.length < count) {
    const asked = Math.min(TAKE_CHUNK, count - taken.length);
    const results = await Promise.allSettled(Array.from({ length: asked }, () => more()));
    const got = results.flatMap((r) => (r.status === "fulfilled" && r.value ? [r.value] : []));
    taken.push(...got);
    if (got.length < asked) break;
  }
  return taken;
}

/** When an unexpected error hands a job back: at once when stopping, else a little later. */
function unexpected(ctx: WorkerContext, session: SendSession, job: Job, error: unknown): number {
  const stopping = session.signal.aborted;
  if (!stopping) {
    ctx.logger.error({ err: error, jobId: job.id }, "send job failed unexpectedly; retrying");
  }
  return Date.now() + (stopping ? 0 : UNEXPECTED_RETRY_MS);
}

/** Completes or re-delays a job taken into a batch (BullMQ does it for the first one). */
async function settleTaken(
  ctx: WorkerContext,
  session: SendSession,
  { job, token }: HeldJob,
  outcome: JobOutcome,
): Promise<void> {
  try {
    if (outcome.kind === "done") await job.moveToCompleted(outcome.result, token ?? "", false);
    else {
      const at =
        outcome.kind === "delayed" ? outcome.at : unexpected(ctx, session, job, outcome.error);
      await job.moveToDelayed(at, token);
    }
  } catch (error) {
    // The lock is gone (e.g. force-closed or lost): the stalled check returns the job.
    ctx.logger.warn({ err: error, jobId: job.id }, "send job not settled");
  }
}

/** Extends the locks of the jobs taken into a batch while it runs (BullMQ does the first). */
function keepLocks(ctx: WorkerContext, taken: Set<HeldJob>): NodeJS.Timeout {
  const lockMs = ctx.options.jobLockMs;
  const timer = setInterval(
    () => {
      for (const { job, token } of taken) {
        if (token) void job.extendLock(token, lockMs).catch(() => {});
      }
    },
    Math.max(50, Math.floor(lockMs / 2)),
  );
  timer.unref();
  return timer;
}
