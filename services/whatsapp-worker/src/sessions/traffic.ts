import { toMessageWire } from "@wagate/core";
import { messages, newId } from "@wagate/db";
import { and, eq, sql } from "drizzle-orm";
import { applyInboundConsent } from "../consent/inbound.js";
import type { WorkerContext } from "../context.js";
import type { InboundMessage } from "../drivers/types.js";
import { withEvents } from "../events/emit.js";
import { inboundMediaColumn } from "../media/inbound.js";
import { noteContact } from "../rich/contacts.js";

/** Acks are applied by the events layer (`events/acks.ts`). */
export { AckApplier } from "../events/acks.js";

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
  // Consent keywords (STOP/START): changed with the row, followed up after the commit.
  const consent: { after: (() => Promise<void>) | null } = { after: null };
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
    const id = newId("message");
    const [row] = await tx
      .insert(messages)
      .values({
        id,
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
        media: inboundMediaColumn(ctx, id, message),
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
    consent.after = await applyInboundConsent(ctx, tx, emit, session, row);
    return true;
  });
  await consent.after?.();
  if (added) ctx.metrics.inbound.inc();
  return added;
}
