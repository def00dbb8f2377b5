import { apiCacheInvalidationChannel, sendQueueName } from "@wagate/contracts";
import {
  addOptOut,
  announceMessageStatus,
  CONSENT_REPLY_KEY_PREFIX,
  type EmitEventInput,
  endMessagesToOptedOut,
  enqueueSendJob,
  insertAcceptedMessage,
  type MessageRow,
  matchConsentKeyword,
  publishInvalidation,
  removeOptOut,
  toOptOutWire,
} from "@wagate/core";
import { type Executor, newId, users } from "@wagate/db";
import { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import { emitAlone } from "../events/emit.js";
import type { InboundSession } from "../sessions/traffic.js";

/**
 * Inbound consent keywords (docs/internals.md "Consent and broadcasts"): a whole inbound
 * text equal to one of the account's opt-out keywords (default STOP, UNSUBSCRIBE, ARRET;
 * case, accents and surrounding punctuation ignored) puts the sender on the opt-out list and
 * emits `contact.opted_out`; an opt-in keyword (START) takes them off (`contact.opted_in`).
 * Runs inside the transaction that records the inbound message, so the change and its event
 * happen once with it (a replay of the message finds it recorded and changes nothing). The
 * returned step runs after the commit: it fails the account's queued messages to that
 * number (`recipient_opted_out`, units refunded) and queues the optional confirmation text,
 * whose row was written in the transaction (reconcile re-adds its job if this step is lost).
 */
export async function applyInboundConsent(
  ctx: WorkerContext,
  tx: Executor,
  emit: (input: EmitEventInput) => Promise<void>,
  session: InboundSession,
  inbound: MessageRow,
): Promise<(() => Promise<void>) | null> {
  if (inbound.type !== "text" || !inbound.content || inbound.content.length > 64) return null;
  const [account] = await tx
    .select({ consent: users.consent })
    .from(users)
    .where(eq(users.id, session.userId));
  const action = matchConsentKeyword(inbound.content, account?.consent);
  if (!action) return null;
  const now = ctx.now();
  const phone = inbound.recipient;
  let changed = false;
  if (action === "opt_out") {
    const { row, created } = await addOptOut(tx, {
      userId: session.userId,
      phone,
      source: "keyword",
      reason: `keyword ${inbound.content.trim().slice(0, 64)}`,
      sessionId: session.sessionId,
      now,
    });
    changed = created;
    if (created) {
      await emit({
        userId: session.userId,
        type: "contact.opted_out",
        data: toOptOutWire(row, session.name),
        now,
      });
    }
  } else {
    const removed = await removeOptOut(tx, { userId: session.userId, phone });
    changed = removed !== null;
    if (removed) {
      await emit({
        userId: session.userId,
        type: "contact.opted_in",
        data: { ...toOptOutWire(removed, session.name, "keyword"), created_at: now.toISOString() },
        now,
      });
    }
  }
  const replyText =
    action === "opt_out" ? account?.consent?.opt_out_reply : account?.consent?.opt_in_reply;
  const reply =
    changed && replyText
      ? await insertAcceptedMessage(tx, {
          id: newId("message", now.getTime()),
          userId: session.userId,
          sessionId: session.sessionId,
          apiKeyId: null,
          mode: session.mode,
          direction: "outbound",
          recipient: phone,
          type: "text",
          content: replyText,
          status: "queued",
          idempotencyKey: `${CONSENT_REPLY_KEY_PREFIX}${inbound.waMessageId ?? inbound.id}`,
          queuedAt: now,
          createdAt: now,
          updatedAt: now,
        })
      : null;
  if (!changed) return null;
  return async () => {
    // The API replicas cache each account's opt-outs for their accept path: drop it now.
    await publishInvalidation(
      ctx.redis,
      apiCacheInvalidationChannel(ctx.redisPrefix),
      { kind: "opt-outs", keyIds: [], userId: session.userId },
      ctx.logger,
    );
    try {
      if (action === "opt_out") {
        ctx.metrics.optOuts.inc({ source: "keyword" });
        await endMessagesToOptedOut(ctx, {
          userId: session.userId,
          phone,
          now,
          announce: async (rows) => {
            for (const row of rows) {
              await announceMessageStatus(
                { logger: ctx.logger, now, emit: (input) => emitAlone(ctx, input) },
                row,
                { name: session.name, phoneNumber: session.phoneNumber },
              );
            }
          },
        });
      }
      if (reply) {
        const queue = new Queue(sendQueueName(session.sessionId), {
          connection: ctx.redis,
          prefix: ctx.redisPrefix,
        });
        try {
          await enqueueSendJob(queue, { messageId: reply.id });
        } finally {
          await queue.close();
        }
      }
    } catch (error) {
      // The claim-time check and the scheduler's reconcile cover what is left undone.
      ctx.logger.warn({ err: error, sessionId: session.sessionId }, "opt-out follow-up failed");
    }
  };
}
