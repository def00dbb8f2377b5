import { contacts, type Executor, newId } from "@wagate/db";
import { sql } from "drizzle-orm";

/** What traffic tells about a WhatsApp user (issue 12). */
export interface SeenContact {
  userId: string;
  mode: "live" | "test";
  phone: string | null;
  lid: string | null;
  pushName?: string | null | undefined;
  direction: "inbound" | "outbound";
  at: Date;
}

/**
 * Fills the account's `contacts` row from traffic: phone, LID and push name when given
 * (never erased by a later message without them), last seen inbound/outbound. A LID-only
 * sender gets a phone-less row, merged no further (the driver resolves LIDs to phones before
 * a message is recorded, so this is rare). Group ids are not contacts.
 */
export async function noteContact(db: Executor, seen: SeenContact): Promise<void> {
  if (!seen.phone && !seen.lid) return;
  if (seen.phone?.includes("@")) return; // a group (`@g.us`)
  const lastIn = seen.direction === "inbound" ? seen.at : null;
  const lastOut = seen.direction === "outbound" ? seen.at : null;
  const values = {
    id: newId("contact", seen.at.getTime()),
    userId: seen.userId,
    mode: seen.mode,
    phone: seen.phone,
    lid: seen.lid,
    pushName: seen.pushName ?? null,
    lastInboundAt: lastIn,
    lastOutboundAt: lastOut,
  };
  const set = {
    lid: sql`coalesce(excluded.lid, ${contacts.lid})`,
    pushName: sql`coalesce(excluded.push_name, ${contacts.pushName})`,
    lastInboundAt: sql`greatest(${contacts.lastInboundAt}, excluded.last_inbound_at)`,
    lastOutboundAt: sql`greatest(${contacts.lastOutboundAt}, excluded.last_outbound_at)`,
    updatedAt: seen.at,
  };
  if (seen.phone) {
    await db
      .insert(contacts)
      .values(values)
      .onConflictDoUpdate({
        target: [contacts.userId, contacts.mode, contacts.phone],
        targetWhere: sql`phone is not null`,
        set,
      });
    return;
  }
  await db
    .insert(contacts)
    .values(values)
    .onConflictDoUpdate({
      target: [contacts.userId, contacts.mode, contacts.lid],
      targetWhere: sql`phone is null and lid is not null`,
      set,
    });
}

/** How often sends' `last_outbound_at` are written (one statement for all of them). */
const OUTBOUND_FLUSH_MS = 30_000;

interface OutboundBuffer {
  pending: Map<string, { userId: string; mode: "live" | "test"; phone: string; at: Date }>;
  timer: NodeJS.Timeout | undefined;
}
const buffers = new WeakMap<Executor, OutboundBuffer>();

/**
 * After a send: the recipient's `last_outbound_at`, buffered in memory and written for all
 * recipients at once every `OUTBOUND_FLUSH_MS` (one multi-row upsert), so the send path
 * keeps its statement budget. Best effort: a crash loses at most that window.
 */
export function noteOutbound(
  db: Executor,
  row: { userId: string; mode: "live" | "test"; recipient: string },
  at: Date,
  warn: (error: unknown) => void = () => {},
): void {
  if (row.recipient.includes("@")) return; // a group
  let buffer = buffers.get(db);
  if (!buffer) {
    buffer = { pending: new Map(), timer: undefined };
    buffers.set(db, buffer);
  }
  buffer.pending.set(`${row.userId}|${row.mode}|${row.recipient}`, {
    userId: row.userId,
    mode: row.mode,
    phone: row.recipient,
    at,
  });
  if (!buffer.timer) {
    const active = buffer;
    active.timer = setTimeout(() => {
      active.timer = undefined;
      void flushOutbound(db, active).catch(warn);
    }, OUTBOUND_FLUSH_MS);
    active.timer.unref();
  }
}

async function flushOutbound(db: Executor, buffer: OutboundBuffer): Promise<void> {
  const batch = [...buffer.pending.values()];
  buffer.pending.clear();
  if (batch.length === 0) return;
  await db
    .insert(contacts)
    .values(
      batch.map((c) => ({
        id: newId("contact", c.at.getTime()),
        userId: c.userId,
        mode: c.mode,
        phone: c.phone,
        lastOutboundAt: c.at,
      })),
    )
    .onConflictDoUpdate({
      target: [contacts.userId, contacts.mode, contacts.phone],
      targetWhere: sql`phone is not null`,
      set: {
        lastOutboundAt: sql`greatest(${contacts.lastOutboundAt}, excluded.last_outbound_at)`,
        updatedAt: sql`now()`,
      },
    });
}
