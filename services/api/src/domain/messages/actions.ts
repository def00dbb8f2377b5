import { QUEUES } from "@wagate/contracts";
import { type EmitEventInput, emitEvent, toMessageWire } from "@wagate/core";
import { type MessageReaction, messages, whatsappSessions } from "@wagate/db";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { queueFor } from "../../lib/queues.js";
import { ConflictError } from "../errors.js";
import { runDriverOp } from "../sessions/driver-op.js";
import type { MessageRow } from "./accept.js";
import { getMessage } from "./query.js";

/** WhatsApp lets a sender edit a text for 15 minutes after sending it. */
export const EDIT_WINDOW_MS = 15 * 60 * 1000;
/** …and delete it for everyone for about two days (60 h). */
export const REVOKE_WINDOW_MS = 60 * 3600 * 1000;

const SENT = ["sent", "delivered", "read"] as const;

type Account = Pick<AccountPrincipal, "userId" | "mode">;

/** Emit and warn: the change is committed; a webhook that cannot be queued is logged. */
async function announce(deps: AppDeps, input: EmitEventInput) {
  try {
    await emitEvent(deps.db, queueFor(deps, QUEUES.webhooks), input);
  } catch (error) {
    deps.logger.warn({ err: error, type: input.type }, "event not queued");
  }
}

/** The message (404 for others' and the other mode's), its session row, and its WhatsApp id. */
async function target(deps: AppDeps, account: Account, id: string) {
  const { row, session } = await getMessage(deps.db, account, id);
  if (!row.waMessageId || !row.sessionId) {
    throw new ConflictError(
      `message ${row.id} has not reached WhatsApp yet (status ${row.status})`,
      {
        reason: "not_sent",
        status: row.status,
      },
    );
  }
  if (row.revokedAt) {
    throw new ConflictError(`message ${row.id} was deleted for everyone`, { reason: "revoked" });
  }
  const [sessionRow] = await deps.db
    .select()
    .from(whatsappSessions)
    .where(eq(whatsappSessions.id, row.sessionId))
    .limit(1);
  if (!sessionRow) {
    throw new ConflictError(`the session of message ${row.id} was deleted`, {
      reason: "session_deleted",
    });
  }
  return { row, session, sessionRow, waMessageId: row.waMessageId };
}

const ownSent = (row: MessageRow, what: string) => {
  if (row.direction !== "outbound" || !(SENT as readonly string[]).includes(row.status)) {
    throw new ConflictError(
      `only a message this account sent can be ${what} (status ${row.status})`,
      {
        reason: "not_own_sent",
        status: row.status,
      },
    );
  }
};

const windowPassed = (row: MessageRow, now: Date, windowMs: number) =>
  !row.sentAt || now.getTime() - row.sentAt.getTime() > windowMs;

/**
 * POST /messages/{id}/reaction: puts our reaction (empty `emoji`: removes it) on a message
 * sent or received through the session, through its owning worker; the message's
 * `reactions` keep our latest one and `message.reaction` is emitted (`by_me: true`).
 */
export async function reactToMessage(deps: AppDeps, account: Account, id: string, emoji: string) {
  const { row, session, sessionRow, waMessageId } = await target(deps, account, id);
  await runDriverOp(deps, sessionRow, { op: "react", chat: row.recipient, waMessageId, emoji });
  const at = deps.now().toISOString();
  const mine: MessageReaction[] = emoji
    ? [{ emoji, from: sessionRow.phoneNumber, fromLid: null, byMe: true, at }]
    : [];
  const [updated] = await deps.db
    .update(messages)
    .set({
      reactions: sql`coalesce((select jsonb_agg(r) from jsonb_array_elements(coalesce(${messages.reactions}, '[]'::jsonb)) r where not coalesce((r->>'byMe')::boolean, false)), '[]'::jsonb) || ${JSON.stringify(mine)}::jsonb`,
    })
    .where(eq(messages.id, row.id))
    .returning();
  const final = updated ?? row;
  await announce(deps, {
    userId: row.userId,
    type: "message.reaction",
    data: {
      message_id: row.id,
      wa_message_id: waMessageId,
      session: session?.name ?? null,
      emoji,
      removed: emoji === "",
      from: sessionRow.phoneNumber,
      from_lid: null,
      by_me: true,
      at,
    },
    now: deps.now(),
  });
  return toMessageWire(final, session);
}

/**
 * PATCH /messages/{id}: edits a text this account sent, within WhatsApp's 15-minute window.
 * `text` keeps the original; the new text is appended to `edits`; `message.edited` emitted.
 */
export async function editMessage(deps: AppDeps, account: Account, id: string, text: string) {
  const { row, session, sessionRow, waMessageId } = await target(deps, account, id);
  ownSent(row, "edited");
  if (row.type !== "text") {
    throw new ConflictError(`only text messages can be edited (this one is ${row.type})`, {
      reason: "not_text",
    });
  }
  if (row.sensitive) {
    throw new ConflictError("this message's content is secret and cannot be edited", {
      reason: "sensitive",
    });
  }
  const now = deps.now();
  if (windowPassed(row, now, EDIT_WINDOW_MS)) {
    throw new ConflictError("WhatsApp allows edits only within 15 minutes of sending", {
      reason: "edit_window_passed",
    });
  }
  await runDriverOp(deps, sessionRow, { op: "edit", chat: row.recipient, waMessageId, text });
  const edit = [{ text, at: now.toISOString() }];
  const [updated] = await deps.db
    .update(messages)
    .set({ edits: sql`coalesce(${messages.edits}, '[]'::jsonb) || ${JSON.stringify(edit)}::jsonb` })
    .where(and(eq(messages.id, row.id), isNull(messages.revokedAt)))
    .returning();
  const final = updated ?? row;
  const wire = toMessageWire(final, session);
  await announce(deps, { userId: row.userId, type: "message.edited", data: wire, now });
  return wire;
}

/**
 * POST /messages/{id}/revoke: deletes a message this account sent for everyone (within
 * about two days); `revoked_at` is set once and `message.revoked` emitted. The row and its
 * original content are kept.
 */
export async function revokeMessage(deps: AppDeps, account: Account, id: string) {
  const { row, session, sessionRow, waMessageId } = await target(deps, account, id);
  ownSent(row, "deleted for everyone");
  const now = deps.now();
  if (windowPassed(row, now, REVOKE_WINDOW_MS)) {
    throw new ConflictError("WhatsApp allows deleting for everyone only within about 2 days", {
      reason: "revoke_window_passed",
    });
  }
  await runDriverOp(deps, sessionRow, { op: "revoke", chat: row.recipient, waMessageId });
  const [updated] = await deps.db
    .update(messages)
    .set({ revokedAt: now })
    .where(and(eq(messages.id, row.id), isNull(messages.revokedAt)))
    .returning();
  if (!updated)
    throw new ConflictError(`message ${row.id} was deleted for everyone`, { reason: "revoked" });
  const wire = toMessageWire(updated, session);
  await announce(deps, { userId: row.userId, type: "message.revoked", data: wire, now });
  return wire;
}
