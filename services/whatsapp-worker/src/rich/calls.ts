import { sendQueueName } from "@wagate/contracts";
import { closeQueue, enqueueSendJob, insertAcceptedMessage } from "@wagate/core";
import { newId, users } from "@wagate/db";
import { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import type { InboundCall, WhatsAppDriver } from "../drivers/types.js";
import { emitAlone } from "../events/emit.js";
import type { InboundSession } from "../sessions/traffic.js";

/**
 * An incoming call (issue 12), handled at once (the call is over soon): with the account's
 * `call_policy.reject`, the call is rejected through the driver and, when
 * `call_policy.message` is set, the caller gets that text as an ordinary outbound message
 * (queued on the session's send queue, tracked and announced like any other; it uses no
 * quota unit). Answers what happened, for `call.received`, which the caller hands to the
 * session's `EventInbox` (`emitCallReceived`), so the event itself is retried like the
 * others. Never throws: a policy that cannot be read counts as "do not reject".
 */
export async function answerCall(
  ctx: WorkerContext,
  session: InboundSession,
  driver: WhatsAppDriver,
  call: InboundCall,
): Promise<{ rejected: boolean; replyMessageId: string | null }> {
  const policy = await ctx.db
    .select({ callPolicy: users.callPolicy })
    .from(users)
    .where(eq(users.id, session.userId))
    .limit(1)
    .then(([account]) => account?.callPolicy)
    .catch((error: unknown) => {
      ctx.logger.warn({ err: error, sessionId: session.sessionId }, "call policy not read");
      return undefined;
    });
  let rejected = false;
  let replyMessageId: string | null = null;
  if (policy?.reject && driver.rejectCall) {
    try {
      await driver.rejectCall(call.id);
      rejected = true;
    } catch (error) {
      ctx.logger.warn({ err: error, sessionId: session.sessionId }, "call not rejected");
    }
  }
  if (rejected && policy?.message && call.from && !call.isGroup) {
    replyMessageId = await queueReply(ctx, session, call.from, policy.message).catch((error) => {
      ctx.logger.warn({ err: error, sessionId: session.sessionId }, "call reply not queued");
      return null;
    });
  }
  return { rejected, replyMessageId };
}

/** `call.received` for a call `answerCall` handled (from the inbox: throws to be retried). */
export async function emitCallReceived(
  ctx: WorkerContext,
  session: InboundSession,
  event: { call: InboundCall; rejected: boolean; replyMessageId: string | null },
): Promise<void> {
  const { call } = event;
  await emitAlone(ctx, {
    userId: session.userId,
    type: "call.received",
    data: {
      call_id: call.id,
      session: session.name,
      from: call.from,
      from_lid: call.fromLid,
      is_video: call.isVideo,
      is_group: call.isGroup,
      at: call.at.toISOString(),
      rejected: event.rejected,
      reply_message_id: event.replyMessageId,
    },
    now: ctx.now(),
  });
}

async function queueReply(
  ctx: WorkerContext,
  session: InboundSession,
  to: string,
  text: string,
): Promise<string | null> {
  const now = ctx.now();
  const row = await insertAcceptedMessage(ctx.db, {
    id: newId("message", now.getTime()),
    userId: session.userId,
    sessionId: session.sessionId,
    mode: session.mode,
    direction: "outbound",
    recipient: to,
    type: "text",
    content: text,
    status: "queued",
    queuedAt: now,
    createdAt: now,
    updatedAt: now,
  });
  if (!row) return null;
  const queue = new Queue(sendQueueName(session.sessionId), {
    connection: ctx.redis,
    prefix: ctx.redisPrefix,
  });
  try {
    await enqueueSendJob(queue, { messageId: row.id });
  } finally {
    await closeQueue(queue);
  }
  return row.id;
}
