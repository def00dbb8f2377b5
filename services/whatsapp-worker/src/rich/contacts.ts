import { contacts, type Executor, messages, newId } from "@wagate/db";
import { and, eq, isNull, sql } from "drizzle-orm";

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

/** After a send: last seen outbound, and the recipient's LID on the message once known. */
export async function noteOutbound(
  db: Executor,
  row: { id: string; userId: string; mode: "live" | "test"; recipient: string },
  at: Date,
): Promise<void> {
  await noteContact(db, {
    userId: row.userId,
    mode: row.mode,
    phone: row.recipient,
    lid: null,
    direction: "outbound",
    at,
  });
  const [known] = await db
    .select({ lid: contacts.lid })
    .from(contacts)
    .where(
      and(
        eq(contacts.userId, row.userId),
        eq(contacts.mode, row.mode),
        eq(contacts.phone, row.recipient),
      ),
    )
    .limit(1);
  if (known?.lid) {
    await db
      .update(messages)
      .set({ recipientLid: known.lid })
      .where(and(eq(messages.id, row.id), isNull(messages.recipientLid)));
  }
}
