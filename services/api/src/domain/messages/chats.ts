import { messages } from "@wagate/db";
import { and, eq } from "drizzle-orm";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { NotFoundError } from "../errors.js";
import { normalizePhone } from "../phone/normalize.js";
import { runDriverOp } from "../sessions/driver-op.js";
import { requireSession } from "../sessions/find.js";
import { isGroupJid } from "./rich.js";

type Account = Pick<AccountPrincipal, "userId" | "mode">;

/**
 * The chat a path names (a phone in any international form, or a group id), as stored in
 * `messages.recipient`; 404 unless this account (in the key's mode) has a message with it,
 * so one account cannot act on another's conversations.
 */
export async function ownChat(deps: AppDeps, account: Account, raw: string): Promise<string> {
  let chat: string;
  if (isGroupJid(raw)) chat = raw;
  else {
    const normalized = normalizePhone(raw);
    if (!normalized.ok) throw new NotFoundError("chat not found");
    chat = normalized.e164;
  }
  const [found] = await deps.db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.userId, account.userId),
        eq(messages.recipient, chat),
        eq(messages.mode, account.mode),
      ),
    )
    .limit(1);
  if (!found) throw new NotFoundError("chat not found");
  return chat;
}

/** Marks the chat read ("send seen") on the session's owning worker. */
export async function markChatRead(deps: AppDeps, account: Account, session: string, raw: string) {
  const chat = await ownChat(deps, account, raw);
  const row = await requireSession(deps.db, account, session);
  await runDriverOp(deps, row, { op: "read", chat });
  return { chat, read: true };
}

/** Shows typing/recording in the chat, or clears it (`paused`). */
export async function setChatPresence(
  deps: AppDeps,
  account: Account,
  session: string,
  raw: string,
  state: "typing" | "recording" | "paused",
) {
  const chat = await ownChat(deps, account, raw);
  const row = await requireSession(deps.db, account, session);
  await runDriverOp(deps, row, { op: "presence", chat, state });
  return { chat, state };
}
