import type { MessageDirection, MessageStatus, MessageWire } from "@wagate/contracts";
import { toMessageWire } from "@wagate/core";
import { type Database, idAtTime, messages, whatsappSessions } from "@wagate/db";
import { and, desc, eq, gte, inArray, lt, type SQL } from "drizzle-orm";
import type { AccountPrincipal } from "../../lib/context.js";
import { NotFoundError } from "../errors.js";
import type { MessageRow } from "./accept.js";

export interface MessageFilters {
  statuses?: MessageStatus[] | undefined;
  /** E.164: the other party (recipient of outbound, sender of inbound). */
  to?: string | undefined;
  direction?: MessageDirection | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Keyset cursor: only ids below this one. */
  before?: string | undefined;
  limit: number;
}

const sessionColumns = { name: whatsappSessions.name, phoneNumber: whatsappSessions.phoneNumber };

/** The caller's messages in its key mode: an account never sees another's, test never sees live. */
const owned = (account: Pick<AccountPrincipal, "userId" | "mode">) =>
  and(eq(messages.userId, account.userId), eq(messages.mode, account.mode));

/**
 * Newest first (ids are time-sortable, so `since`/`until` are id bounds on the
 * `(user_id, id)` index); inbound messages included. Fetches `limit + 1` rows for `page()`.
 */
export async function listMessages(
  db: Database,
  account: Pick<AccountPrincipal, "userId" | "mode">,
  filters: MessageFilters,
): Promise<Array<MessageWire & { id: string }>> {
  const conditions: Array<SQL | undefined> = [owned(account)];
  if (filters.to) conditions.push(eq(messages.recipient, filters.to));
  const rows = await selectMessagePage(db, conditions, filters);
  return rows.map((r) => toMessageWire(r.message, r.session));
}

/** The filters every message list shares (status, direction, time window, keyset cursor). */
export type MessagePageFilters = Pick<
  MessageFilters,
  "statuses" | "direction" | "since" | "until" | "before" | "limit"
>;

/**
 * One page of messages with their session's name and number, newest first: `conditions`
 * narrow it (owner, recipient), then the shared filters apply. Ids are time-sortable, so
 * `since`/`until` are id bounds. Fetches `limit + 1` rows for `page()`.
 */
export async function selectMessagePage(
  db: Database,
  conditions: Array<SQL | undefined>,
  filters: MessagePageFilters,
) {
  const where = [...conditions];
  if (filters.statuses?.length) where.push(inArray(messages.status, filters.statuses));
  if (filters.direction) where.push(eq(messages.direction, filters.direction));
  if (filters.since) where.push(gte(messages.id, idAtTime("message", filters.since)));
  if (filters.until) where.push(lt(messages.id, idAtTime("message", filters.until)));
  if (filters.before) where.push(lt(messages.id, filters.before));
  return db
    .select({ message: messages, session: sessionColumns })
    .from(messages)
    .leftJoin(whatsappSessions, eq(messages.sessionId, whatsappSessions.id))
    .where(and(...where))
    .orderBy(desc(messages.id))
    .limit(filters.limit + 1);
}

/** One of the caller's messages with its session's name, or 404 `not_found`. */
export async function getMessage(
  db: Database,
  account: Pick<AccountPrincipal, "userId" | "mode">,
  id: string,
): Promise<{ row: MessageRow; session: { name: string; phoneNumber: string | null } | null }> {
  const [found] = await db
    .select({ message: messages, session: sessionColumns })
    .from(messages)
    .leftJoin(whatsappSessions, eq(messages.sessionId, whatsappSessions.id))
    .where(and(eq(messages.id, id), owned(account)))
    .limit(1);
  if (!found) throw new NotFoundError("message not found");
  return { row: found.message, session: found.session };
}
