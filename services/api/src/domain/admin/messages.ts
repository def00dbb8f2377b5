import type {
  MessageDirection,
  MessageStatus,
  MessageWire,
  WebhookDeliveryEventType,
  WebhookDeliveryStatus,
} from "@wagate/contracts";
import { toMessageWire } from "@wagate/core";
import { type Database, messages, webhookDeliveries, whatsappSessions } from "@wagate/db";
import { and, asc, eq, gte, inArray, like, type SQL, sql } from "drizzle-orm";
import { notFound } from "../../lib/errors.js";
import type { MessageRow } from "../messages/accept.js";
import { selectMessagePage } from "../messages/query.js";

export interface AdminMessageFilters {
  userId?: string | undefined;
  statuses?: MessageStatus[] | undefined;
  /** The other party: an exact E.164 number, or digits it contains. */
  recipient?: { equals: string } | { contains: string } | undefined;
  direction?: MessageDirection | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  before?: string | undefined;
  limit: number;
}

export type AdminMessage = MessageWire & { user_id: string };

const sessionColumns = { name: whatsappSessions.name, phoneNumber: whatsappSessions.phoneNumber };

const toAdminMessage = (
  row: MessageRow,
  session: { name: string; phoneNumber: string | null } | null,
): AdminMessage => ({ ...toMessageWire(row, session), user_id: row.userId });

/** Every account's messages (both modes), newest first. Fetches `limit + 1` for `page()`. */
export async function listAllMessages(
  db: Database,
  filters: AdminMessageFilters,
): Promise<AdminMessage[]> {
  const conditions: Array<SQL | undefined> = [];
  if (filters.userId) conditions.push(eq(messages.userId, filters.userId));
  if (filters.recipient && "equals" in filters.recipient) {
    conditions.push(eq(messages.recipient, filters.recipient.equals));
  } else if (filters.recipient) {
    conditions.push(like(messages.recipient, `%${filters.recipient.contains}%`));
  }
  const rows = await selectMessagePage(db, conditions, filters);
  return rows.map((r) => toAdminMessage(r.message, r.session));
}

export interface TimelineEntry {
  status: MessageStatus;
  at: string;
}

/**
 * The statuses a message went through, oldest first, from the row's status times (each
 * is set once, when the status is reached). `scheduled` is when it was accepted for later.
 */
export function messageTimeline(row: MessageRow): TimelineEntry[] {
  const entries: Array<[MessageStatus, Date | null]> = [
    ["scheduled", row.scheduledAt ? row.createdAt : null],
    ["queued", row.queuedAt],
    ["sending", row.sendingAt],
    ["sent", row.sentAt],
    ["delivered", row.deliveredAt],
    ["read", row.readAt],
    ["failed", row.failedAt],
    ["cancelled", row.cancelledAt],
    ["received", row.receivedAt],
  ];
  return entries
    .filter((entry): entry is [MessageStatus, Date] => entry[1] !== null)
    .sort((a, b) => a[1].getTime() - b[1].getTime())
    .map(([status, at]) => ({ status, at: at.toISOString() }));
}

export interface MessageDelivery {
  id: string;
  webhook_id: string;
  event_type: WebhookDeliveryEventType;
  status: WebhookDeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  created_at: string;
}

/** Most deliveries listed on one message's page. */
const MESSAGE_DELIVERIES_LIMIT = 200;

/**
 * One message of any account with its timeline and the webhook deliveries that announced
 * it (`message.*` deliveries whose payload names it), or 404.
 */
export async function getAdminMessage(
  db: Database,
  id: string,
): Promise<AdminMessage & { timeline: TimelineEntry[]; webhook_deliveries: MessageDelivery[] }> {
  const [found] = await db
    .select({ message: messages, session: sessionColumns })
    .from(messages)
    .leftJoin(whatsappSessions, eq(messages.sessionId, whatsappSessions.id))
    .where(eq(messages.id, id))
    .limit(1);
  if (!found) throw notFound("message");
  const row = found.message;
  // Deliveries are made after the message: the created_at index bounds the scan.
  const deliveries = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.userId, row.userId),
        gte(webhookDeliveries.createdAt, row.createdAt),
        inArray(webhookDeliveries.eventType, ["message.status", "message.received"]),
        sql`${webhookDeliveries.payload} -> 'data' ->> 'id' = ${row.id}`,
      ),
    )
    .orderBy(asc(webhookDeliveries.id))
    .limit(MESSAGE_DELIVERIES_LIMIT);
  return {
    ...toAdminMessage(row, found.session),
    timeline: messageTimeline(row),
    webhook_deliveries: deliveries.map((d) => ({
      id: d.id,
      webhook_id: d.webhookId,
      event_type: d.eventType as WebhookDeliveryEventType,
      status: d.status,
      attempts: d.attempts,
      last_status_code: d.lastStatusCode,
      created_at: d.createdAt.toISOString(),
    })),
  };
}
