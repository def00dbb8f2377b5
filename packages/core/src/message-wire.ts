import type { MessageWire, SessionWire } from "@wagate/contracts";
import type { messages, whatsappSessions } from "@wagate/db";

type MessageRow = typeof messages.$inferSelect;
type SessionRow = typeof whatsappSessions.$inferSelect;

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** What the wire shape needs from the message's session besides the row itself. */
export interface MessageWireSession {
  /** The session's name (`default`, ...); null when the session was deleted. */
  name: string | null;
  /** The linked WhatsApp number of the session, used as `from` (outbound) or `to` (inbound). */
  phoneNumber?: string | null;
}

/**
 * The one mapper from a `messages` row to the message object clients see, in API answers
 * and in `message.status` / `message.received` webhook payloads. `recipient` is the other
 * party: `to` for outbound, `from` for inbound; the session's own number fills the other side.
 */
export function toMessageWire(row: MessageRow, session: MessageWireSession | null): MessageWire {
  const own = session?.phoneNumber ?? null;
  const outbound = row.direction === "outbound";
  return {
    id: row.id,
    direction: row.direction,
    mode: row.mode,
    session: session?.name ?? null,
    to: outbound ? row.recipient : own,
    from: outbound ? own : row.recipient,
    type: row.type,
    text: row.sensitive ? null : (row.content ?? null),
    media: row.media
      ? {
          url: row.media.url ?? null,
          mime_type: row.media.mimeType ?? null,
          filename: row.media.filename ?? null,
          size: row.media.size ?? null,
        }
      : null,
    reply_to: row.replyTo ?? null,
    status: row.status,
    error: row.errorCode
      ? { code: row.errorCode, message: row.errorMessage ?? row.errorCode }
      : null,
    wa_message_id: row.waMessageId ?? null,
    send_at: iso(row.scheduledAt),
    created_at: row.createdAt.toISOString(),
    sent_at: iso(row.sentAt),
    delivered_at: iso(row.deliveredAt),
    read_at: iso(row.readAt),
    failed_at: iso(row.failedAt),
    cancelled_at: iso(row.cancelledAt),
  };
}

/** The one mapper from a `whatsapp_sessions` row to the session object (API and `session.status`). */
export function toSessionWire(row: SessionRow): SessionWire {
  return {
    name: row.name,
    status: row.status,
    driver: row.driver,
    mode: row.mode,
    phone_number: row.phoneNumber ?? null,
    connected_at: iso(row.connectedAt),
    last_active_at: iso(row.lastActiveAt),
  };
}
