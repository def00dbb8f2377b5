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
 * An incoming call (issue 12). With the account's `call_policy.reject`, the call is rejected
 * at once through the driver and, when `call_policy.message` is set, the caller gets that
 * text as an ordinary outbound message (queued on the session's send queue, tracked and
 * announced like any other; it uses no quota unit). `call.received` is emitted either way.
 * Best effort: a failure is logged, never retried (the call is over by then).
 */
export async function handleCall(
  ctx: WorkerContext,
  session: InboundSession,
  driver: WhatsAppDriver,
  call: InboundCall,
): Promise<void> {
  const [account] = await ctx.db
    .select({ callPolicy: users.callPolicy })
    .from(users)
    .where(eq(users.id, session.userId))
    .limit(1);
  const policy = account?.callPolicy;
  let rejected = false;
  let replyId: string | null = null;
  if (policy?.reject && driver.rejectCall) {
    try {
      await driver.rejectCall(call.id);
      rejected = true;
    } catch (error) {
      ctx.logger.warn({ err: error, sessionId: session.sessionId }, "call not rejected");
    }
  }
  if (rejected && policy?.message && call.from && !call.isGroup) {
    replyId = await queueReply(ctx, session, call.from, policy.message).catch((error) => {
      ctx.logger.warn({ err: error, sessionId: session.sessionId }, "call reply not queued");
      return null;
    });
  }
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
      rejected,
      reply_message_id: replyId,
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
