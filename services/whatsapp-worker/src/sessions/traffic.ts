import { applyMessageAck, toMessageWire } from "@wagate/core";
import { messages, newId } from "@wagate/db";
import { and, eq, sql } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import type { DriverAck, InboundMessage } from "../drivers/types.js";
import { withEvents } from "../events/emit.js";
import { noteContact } from "../rich/contacts.js";
import type { SendSession } from "../send/processor.js";

const PENDING_ACK_TTL_MS = 60_000;

/**
 * Applies a session's acks to its messages, found by `(session_id, wa_message_id)`, one at a
 * time in arrival order (a `delivered` that came before `read` is announced before it; a
 * `read` that truly came first still wins: status only moves forward). An ack that beats the
 * processor's `sent` update is kept (60 s) and applied right after it. A status change and
 * its `message.status` event are one transaction, so a failed ack (Postgres away) can be
 * applied again later (`EventInbox`) without losing or doubling the event; kept acks that
 * fail on `flush` go to `park`.
 */
export class AckApplier {
  private readonly pending = new Map<string, { acks: DriverAck[]; at: number }>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: WorkerContext,
    private readonly session: SendSession,
    private readonly park: (ack: DriverAck) => void,
  ) {}

  /** Queues a driver ack. */
  push(ack: DriverAck): Promise<void> {
    return this.inOrder(() => this.apply(ack));
  }

  /** Called once a send is recorded: applies the acks that beat it (parks them on failure). */
  flush(waMessageId: string): Promise<void> {
    if (!this.pending.has(waMessageId)) return Promise.resolve();
    return this.inOrder(() => this.drain(waMessageId)).catch(() => {
      const entry = this.pending.get(waMessageId);
      this.pending.delete(waMessageId);
      for (const ack of entry?.acks ?? []) this.park(ack);
    });
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
    for (const [i, ack] of entry.acks.entries()) {
      try {
        await this.apply(ack);
      } catch (error) {
        // Keep what is left for the retry of the ack that led here (or for `flush`'s park).
        const later = this.pending.get(waMessageId)?.acks ?? [];
        this.pending.set(waMessageId, { acks: [...entry.acks.slice(i), ...later], at: entry.at });
        throw error;
      }
    }
  }

  private async transition(messageId: string, ack: DriverAck, sentAt: Date | null) {
    const { status, at } = ack;
    const moved = await withEvents(this.ctx, async (tx, emit) => {
      const row = await applyMessageAck(
        tx,
        messageId,
        status as "delivered" | "read" | "failed",
        at,
      );
      if (row) {
        await emit({
          userId: row.userId,
          type: "message.status",
          data: toMessageWire(row, this.session.wire()),
          now: this.ctx.now(),
        });
      }
      return row;
    });
    if (!moved) return;
    this.ctx.metrics.messages.inc({ status: moved.status, error_code: moved.errorCode ?? "" });
    const sent = sentAt ?? moved.sentAt;
    if ((status === "delivered" || status === "read") && sent) {
      this.ctx.metrics.ackLatency.observe(
        { status },
        Math.max(0, (at.getTime() - sent.getTime()) / 1000),
      );
    }
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
 * the sender) and its `message.received` event in one transaction, once per WhatsApp id
 * (an advisory lock on `(session, wa id)` makes concurrent replays see each other). True when
 * a row was added. Throws when Postgres fails, so the caller can retry it safely.
 */
export async function recordInbound(
  ctx: WorkerContext,
  session: InboundSession,
  message: InboundMessage,
  options: { backfilled?: boolean } = {},
): Promise<boolean> {
  const added = await withEvents(ctx, async (tx, emit) => {
    const lockKey = `${session.sessionId}:${message.waMessageId}`;
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`);
    const [existing] = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.sessionId, session.sessionId),
          eq(messages.waMessageId, message.waMessageId),
        ),
      )
      .limit(1);
    if (existing) return false;
    const [row] = await tx
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
        recipientLid: message.fromLid ?? null,
      })
      .returning();
    if (!row) return false;
    await noteContact(tx, {
      userId: session.userId,
      mode: session.mode,
      phone: message.from,
      lid: message.fromLid ?? null,
      pushName: message.pushName,
      direction: "inbound",
      at: message.at,
    });
    const wire = toMessageWire(row, { name: session.name, phoneNumber: session.phoneNumber });
    await emit({
      userId: row.userId,
      type: "message.received",
      data: options.backfilled ? { ...wire, backfilled: true } : wire,
      now: ctx.now(),
    });
    return true;
  });
  if (added) ctx.metrics.inbound.inc();
  return added;
}
