import type { GroupInfo, GroupMember, GroupParticipantAction } from "@wagate/contracts";
import {
  type GroupChange,
  GroupNotFoundError,
  type GroupParticipantsChange,
  type GroupPerson,
  SendError,
} from "./types.js";
import type {
  WebjsChat,
  WebjsClient,
  WebjsGroupNotification,
  WebjsGroupParticipant,
} from "./webjs-client.js";

/**
 * Groups on whatsapp-web.js (issue 12): `client.createGroup`, `client.getChatById` →
 * `GroupChat` (`participants`, `addParticipants`, `removeParticipants`,
 * `promoteParticipants`, `demoteParticipants`, `setSubject`, `setDescription`,
 * `getInviteCode`, `leave`), `client.getChats()` filtered by `isGroup`; and the library's
 * group notifications mapped to driver events. Used by `WebjsDriver`.
 */

export interface WebjsGroupContext {
  client: WebjsClient;
  /** Bound on each library call. */
  timeoutMs: number;
  /** The driver's error mapping (page gone → `session_not_ready`, …). */
  classify: (error: unknown) => Error;
}

const bounded = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

const userJid = (phone: string) => `${phone.replace(/\D/g, "")}@c.us`;
const e164 = (jid: string) => `+${jid.split("@")[0]!.split(":")[0]}`;

/**
 * Phone (E.164) and LID of user ids (`@c.us` / `@lid`): what the id says, the rest from one
 * `getContactLidAndPhone` call for all of them (best effort: unknown stays null).
 */
export async function resolvePeople(
  client: WebjsClient,
  ids: string[],
): Promise<Map<string, GroupPerson>> {
  const out = new Map<string, GroupPerson>();
  for (const id of ids) {
    out.set(id, {
      phone: id.endsWith("@c.us") ? e164(id) : null,
      lid: id.endsWith("@lid") ? id : null,
    });
  }
  const unknown = [...out].filter(([, p]) => !p.phone || !p.lid).map(([id]) => id);
  if (!unknown.length) return out;
  try {
    const found = await bounded(client.getContactLidAndPhone(unknown), 5_000, "LID lookup");
    unknown.forEach((id, index) => {
      const pair = found[index];
      const known = out.get(id)!;
      out.set(id, {
        phone: known.phone ?? (pair?.pn ? e164(pair.pn) : null),
        lid: known.lid ?? pair?.lid ?? null,
      });
    });
  } catch {
    // keep what the ids say
  }
  return out;
}

function toInfo(
  chat: WebjsChat,
  people: Map<string, GroupPerson>,
  inviteCode: string | null,
): GroupInfo {
  const participants: GroupMember[] = (chat.participants ?? []).map((p: WebjsGroupParticipant) => {
    const who = people.get(p.id._serialized) ?? { phone: null, lid: null };
    return { ...who, isAdmin: Boolean(p.isAdmin), isSuperAdmin: Boolean(p.isSuperAdmin) };
  });
  const owner = chat.owner?._serialized;
  return {
    id: chat.id?._serialized ?? "",
    subject: chat.name ?? "",
    description: chat.description || null,
    owner: owner
      ? (people.get(owner)?.phone ?? (owner.endsWith("@c.us") ? e164(owner) : null))
      : null,
    participants,
    inviteCode,
    createdAt: chat.createdAt instanceof Date ? chat.createdAt.toISOString() : null,
  };
}

const idsOf = (chats: WebjsChat[]) => [
  ...new Set(
    chats.flatMap((c) => [
      ...(c.participants ?? []).map((p) => p.id._serialized),
      ...(c.owner?._serialized ? [c.owner._serialized] : []),
    ]),
  ),
];

/** The library's `GroupChat`; `GroupNotFoundError` when the id is not a group we have. */
async function groupChat(ctx: WebjsGroupContext, id: string): Promise<WebjsChat> {
  let chat: WebjsChat | null | undefined;
  try {
    chat = await bounded(ctx.client.getChatById(id), ctx.timeoutMs, "group lookup");
  } catch (error) {
    const mapped = ctx.classify(error);
    if (mapped instanceof SendError && mapped.code !== "send_failed") throw mapped;
    // The library fails on a chat the page does not have (it builds a chat from null).
    throw new GroupNotFoundError(id);
  }
  if (!chat?.isGroup) throw new GroupNotFoundError(id);
  return chat;
}

async function call<T>(ctx: WebjsGroupContext, what: string, run: () => Promise<T> | undefined) {
  const pending = run();
  if (!pending) throw new SendError("send_failed", `this WhatsApp Web cannot ${what}`, true);
  try {
    return await bounded(pending, ctx.timeoutMs, what);
  } catch (error) {
    throw ctx.classify(error);
  }
}

export async function webjsListGroups(ctx: WebjsGroupContext): Promise<GroupInfo[]> {
  const chats = (await call(ctx, "list chats", () => ctx.client.getChats())).filter(
    (c) => c.isGroup,
  );
  const people = await resolvePeople(ctx.client, idsOf(chats));
  return chats.map((chat) => toInfo(chat, people, null));
}

export async function webjsGetGroup(ctx: WebjsGroupContext, id: string): Promise<GroupInfo> {
  const chat = await groupChat(ctx, id);
  let inviteCode: string | null = null;
  try {
    // Only admins may read it: anything else leaves it null.
    inviteCode = (await call(ctx, "get invite code", () => chat.getInviteCode?.())) || null;
  } catch {
    inviteCode = null;
  }
  return toInfo(chat, await resolvePeople(ctx.client, idsOf([chat])), inviteCode);
}

export async function webjsCreateGroup(
  ctx: WebjsGroupContext,
  subject: string,
  phones: string[],
): Promise<GroupInfo> {
  const created = await call(ctx, "create group", () =>
    ctx.client.createGroup?.(subject, phones.map(userJid)),
  );
  if (typeof created === "string" || !created?.gid?._serialized) {
    throw new SendError("send_failed", `WhatsApp refused: ${String(created).slice(0, 200)}`, true);
  }
  return webjsGetGroup(ctx, created.gid._serialized);
}

const PARTICIPANT_METHODS = {
  add: "addParticipants",
  remove: "removeParticipants",
  promote: "promoteParticipants",
  demote: "demoteParticipants",
} as const;

export async function webjsChangeParticipants(
  ctx: WebjsGroupContext,
  id: string,
  action: GroupParticipantAction,
  phones: string[],
): Promise<GroupInfo> {
  const chat = await groupChat(ctx, id);
  const method = PARTICIPANT_METHODS[action];
  const result = await call(ctx, `${action} participants`, () =>
    chat[method]?.(phones.map(userJid)),
  );
  // The library answers a string when WhatsApp refused the whole change (not an admin, …).
  if (typeof result === "string") {
    throw new SendError("send_failed", result.slice(0, 300), true);
  }
  return webjsGetGroup(ctx, id);
}

export async function webjsUpdateGroup(
  ctx: WebjsGroupContext,
  id: string,
  change: { subject?: string; description?: string },
): Promise<GroupInfo> {
  const chat = await groupChat(ctx, id);
  if (change.subject !== undefined) {
    const subject = change.subject;
    const done = await call(ctx, "set subject", () => chat.setSubject?.(subject));
    if (done === false) throw new SendError("send_failed", "WhatsApp refused the subject", true);
  }
  if (change.description !== undefined) {
    const description = change.description;
    const done = await call(ctx, "set description", () => chat.setDescription?.(description));
    if (done === false) {
      throw new SendError("send_failed", "WhatsApp refused the description", true);
    }
  }
  return webjsGetGroup(ctx, id);
}

export async function webjsLeaveGroup(ctx: WebjsGroupContext, id: string): Promise<void> {
  const chat = await groupChat(ctx, id);
  await call(ctx, "leave group", () => chat.leave?.());
}

const PARTICIPANT_TYPES: Record<string, GroupParticipantAction> = {
  add: "add",
  invite: "add",
  linked_group_join: "add",
  remove: "remove",
  leave: "remove",
  promote: "promote",
  demote: "demote",
};
const UPDATE_FIELDS: Record<string, GroupChange["field"]> = {
  subject: "subject",
  description: "description",
  picture: "picture",
  announce: "settings",
  restrict: "settings",
};

/**
 * A library group notification as a driver event (null: a kind we do not announce).
 * `by` is the author, except when people left on their own (`leave`).
 */
export async function groupEventOf(
  client: WebjsClient,
  notification: WebjsGroupNotification,
): Promise<
  | { kind: "group_participants"; change: GroupParticipantsChange }
  | { kind: "group_update"; change: GroupChange }
  | null
> {
  const at = new Date(
    notification.timestamp > 1e12 ? notification.timestamp : notification.timestamp * 1000,
  );
  const action = PARTICIPANT_TYPES[notification.type];
  const field = UPDATE_FIELDS[notification.type];
  if (!action && !field) return null;
  const author = notification.type === "leave" ? undefined : notification.author || undefined;
  const recipients = action ? (notification.recipientIds ?? []) : [];
  const people = await resolvePeople(client, [...recipients, ...(author ? [author] : [])]);
  const by = author ? (people.get(author) ?? null) : null;
  if (action) {
    return {
      kind: "group_participants",
      change: {
        group: notification.chatId,
        action,
        participants: recipients.map((id) => people.get(id) ?? { phone: null, lid: null }),
        by,
        at,
      },
    };
  }
  return {
    kind: "group_update",
    change: {
      group: notification.chatId,
      field: field!,
      value:
        field === "subject" || field === "description" || field === "settings"
          ? (notification.body ?? null)
          : null,
      by,
      at,
    },
  };
}
