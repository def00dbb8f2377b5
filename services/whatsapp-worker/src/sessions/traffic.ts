import { emitEvent, toMessageWire, transitionMessage } from "@wagate/core";
import { messages, newId } from "@wagate/db";
import { and, eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import type { DriverAck, InboundMessage } from "../drivers/types.js";
import { announceStatus, type SendSession } from "../send/processor.js";

const PENDING_ACK_TTL_MS = 60_000;

/**
 * Applies a session's acks to its messages, found by `(session_id, wa_message_id)`, one at a
 * time in arrival order (a `delivered` that came before `read` is announced before it; a
 * `read` that truly came first still wins: status only moves forward). An ack that beats the
 * processor's `sent` update is kept (60 s) and applied right after it.
 */
export class AckApplier {
  private readonly pending = new Map<string, { acks: DriverAck[]; at: number }>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: WorkerContext,
    private readonly session: SendSession,
  ) {}

  /** Queues a driver ack. */
  push(ack: DriverAck): Promise<void> {
    return this.inOrder(() => this.apply(ack));
  }

  /** Called once a send is recorded: applies the acks that beat it. */
  flush(waMessageId: string): Promise<void> {
    if (!this.pending.has(waMessageId)) return Promise.resolve();
    return this.inOrder(() => this.drain(waMessageId));
  }

  private inOrder(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => {});
    return run;
  }

  private async find(waMessageId: string) {
    const [row] = await this.ctx.db
      .select()
      .from(messages)
      .where(
        and(eq(messages.sessionId, this.session.sessionId), eq(messages.waMessageId, waMessageId)),
      )
      .limit(1);
    return row;
  }

  private async apply(ack: DriverAck): Promise<void> {
    // `sent` is recorded by the processor from the send's answer (with the wa id); the ack
    // of it adds nothing, and one for an unknown id cannot be matched anyway.
    if (ack.status === "pending" || ack.status === "sent") return;
    const row = await this.find(ack.waMessageId);
    if (row) {
      // Acks of this message that arrived before the send was recorded go first.
      await this.drain(ack.waMessageId);
      await this.transition(row.id, ack, row.sentAt);
      return;
    }
    const entry = this.pending.get(ack.waMessageId) ?? { acks: [], at: Date.now() };
    entry.acks.push(ack);
    this.pending.set(ack.waMessageId, entry);
    this.prune();
    // The send may have been recorded between the lookup and the stash: look once more.
    if (await this.find(ack.waMessageId)) await this.drain(ack.waMessageId);
  }

  private async drain(waMessageId: string): Promise<void> {
    const entry = this.pending.get(waMessageId);
    if (!entry) return;
    this.pending.delete(waMessageId);
    for (const ack of entry.acks) await this.apply(ack);
  }

  private async transition(messageId: string, ack: DriverAck, sentAt: Date | null) {
    const { status, at } = ack;
    const moved =
      status === "failed"
        ? await transitionMessage(this.ctx.db, messageId, "failed", {
            from: ["sending", "sent"],
            set: {
              errorCode: "send_failed",
              errorMessage: "WhatsApp reported an error for this message",
            },
            now: at,
          })
        : await transitionMessage(this.ctx.db, messageId, status as "delivered" | "read", {
            now: at,
          });
    if (!moved) return;
    const sent = sentAt ?? moved.sentAt;
    if ((status === "delivered" || status === "read") && sent) {
      this.ctx.metrics.ackLatency.observe(
        { status },
        Math.max(0, (at.getTime() - sent.getTime()) / 1000),
      );
    }
    await announceStatus(this.ctx, this.session, moved);
  }

  private prune(): void {
    const cutoff = Date.now() - PENDING_ACK_TTL_MS;
    for (const [id, entry] of this.pending) if (entry.at < cutoff) this.pending.delete(id);
  }
}

export interface InboundSession {
  sessionId: string;
  userId: string;
  mode: "live" | "test";
  name: string;
  phoneNumber: string | null;
}

/**
 * Records an inbound 1:1 message (`direction='inbound'`, `status='received'`, `recipient` =
 * the sender), once per wa id, and emits `message.received`. True when a row was added.
 */
export async function recordInbound(
  ctx: WorkerContext,
  session: InboundSession,
  message: InboundMessage,
): Promise<boolean> {
  const [existing] = await ctx.db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(eq(messages.sessionId, session.sessionId), eq(messages.waMessageId, message.waMessageId)),
    )
    .limit(1);
  if (existing) return false;
  const [row] = await ctx.db
    .insert(messages)
    .values({
      id: newId("message"),
      userId: session.userId,
      sessionId: session.sessionId,
      mode: session.mode,
      direction: "inbound",
      recipient: message.from,
      type: message.type,
      content: message.text,
      status: "received",
      waMessageId: message.waMessageId,
      receivedAt: message.at,
    })
    .returning();
  if (!row) return false;
  ctx.metrics.inbound.inc();
  try {
    await emitEvent(ctx.db, ctx.webhookQueue, {
      userId: row.userId,
      type: "message.received",
      data: toMessageWire(row, { name: session.name, phoneNumber: session.phoneNumber }),
      now: ctx.now(),
    });
  } catch (error) {
    ctx.logger.warn({ err: error, messageId: row.id }, "message.received webhook not queued");
  }
  return true;
}
