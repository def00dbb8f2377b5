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
          ...(row.media.status ? { status: row.media.status } : {}),
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
    ...richWire(row),
  };
}

/** The rich-messaging part of the wire (issue 12): LIDs, type content, reactions, edits. */
function richWire(row: MessageRow) {
  const outbound = row.direction === "outbound";
  const payload = row.payload ?? {};
  const poll = payload.poll;
  return {
    to_lid: outbound ? (row.recipientLid ?? null) : null,
    from_lid: outbound ? null : (row.recipientLid ?? null),
    location: payload.location
      ? {
          latitude: payload.location.latitude,
          longitude: payload.location.longitude,
          name: payload.location.name ?? null,
          address: payload.location.address ?? null,
        }
      : null,
    contacts: payload.contacts
      ? payload.contacts.map((c) => ({
          name: c.name,
          phones: c.phones,
          email: c.email ?? null,
          organization: c.organization ?? null,
        }))
      : null,
    poll: poll
      ? {
          question: poll.question,
          options: poll.options,
          multiple_answers: poll.multipleAnswers,
          votes: Object.values(row.votes ?? {}).map((v) => ({
            voter: v.voter,
            voter_lid: v.voterLid,
            options: v.options,
            at: v.at,
          })),
        }
      : null,
    mentions: payload.mentions ?? null,
    reactions: (row.reactions ?? []).map((r) => ({
      emoji: r.emoji,
      from: r.from,
      from_lid: r.fromLid,
      by_me: r.byMe,
      at: r.at,
    })),
    edits: (row.edits ?? []).map((e) => ({ text: row.sensitive ? "" : e.text, at: e.at })),
    revoked_at: iso(row.revokedAt),
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
