import { parseJob, sendJobSchema } from "@wagate/contracts";
import { CLAIMABLE_STATUSES, type ClaimedMessage, type MessageRow } from "@wagate/core";
import { messages } from "@wagate/db";
import type { Job } from "bullmq";
import { eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import type { SendSession } from "./session.js";

/** What a send job found when it tried to claim its message. */
export type Intake =
  | { kind: "claimed"; claimed: ClaimedMessage }
  /** Nothing to do: the job completes with this result. */
  | { kind: "done"; result: string }
  /** Enqueued early (e.g. by the reconciler): wait for its time. */
  | { kind: "wait_until"; at: number }
  /** Sent by an earlier attempt that died before recording it: record, never send twice. */
  | { kind: "already_sent"; row: MessageRow; waMessageId: string };

/** The message id of a send job; null (logged) for a payload that fails the contract. */
export function jobMessageId(ctx: WorkerContext, job: Job): string | null {
  try {
    return parseJob(job.queueName, sendJobSchema, job.data).messageId;
  } catch (error) {
    ctx.logger.error({ err: error, jobId: job.id }, "send job with an invalid payload dropped");
    return null;
  }
}

/**
 * Claims the messages of a batch of jobs in ONE statement (`claimMessages`: → `sending` under
 * our token; shared with the batches of the worker's other sessions, `ctx.sendWrites`), keyed
 * by message id; a message missing from the answer was not claimed (see
 * `explainUnclaimed`).
 */
export async function claimBatch(
  ctx: WorkerContext,
  session: SendSession,
  messageIds: string[],
): Promise<Map<string, ClaimedMessage>> {
  const claimed = await ctx.sendWrites.claims.submit(
    messageIds.map((messageId) => ({
      messageId,
      sessionId: session.sessionId,
      token: session.token,
    })),
  );
  return new Map(claimed.flatMap((c) => (c ? [[c.row.id, c] as const] : [])));
}

/**
 * Why a job's message was not claimed (the row is read only then): gone or not ours,
 * finished, not due yet, already sent by a dead attempt, or held by a newer owner.
 */
export async function explainUnclaimed(
  ctx: WorkerContext,
  session: SendSession,
  messageId: string,
): Promise<Exclude<Intake, { kind: "claimed" }>> {
  const now = ctx.now();
  const [row] = await ctx.db.select().from(messages).where(eq(messages.id, messageId)).limit(1);
  if (row?.direction !== "outbound" || row.sessionId !== session.sessionId) {
    ctx.logger.warn(
      { messageId, sessionId: session.sessionId },
      "send job without a matching message",
    );
    return { kind: "done", result: "missing" };
  }
  if (!CLAIMABLE_STATUSES.includes(row.status))
    return { kind: "done", result: `skipped:${row.status}` };
  if (row.status === "sending" && row.waMessageId) {
    return { kind: "already_sent", row, waMessageId: row.waMessageId };
  }
  if (row.scheduledAt && row.scheduledAt.getTime() - now.getTime() > 1000) {
    return { kind: "wait_until", at: row.scheduledAt.getTime() };
  }
  return { kind: "done", result: "skipped:raced" };
}
