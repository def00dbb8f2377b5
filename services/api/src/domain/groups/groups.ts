import type { GroupInfo, GroupParticipantAction } from "@wagate/contracts";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { ApiError, notFound, validationFailed } from "../../lib/errors.js";
import { isGroupJid } from "../messages/rich.js";
import { normalizePhone } from "../phone/normalize.js";
import { runDriverOp } from "../sessions/driver-op.js";
import { requireSession } from "../sessions/find.js";

type Account = Pick<AccountPrincipal, "userId" | "mode">;

/** A group on the wire (snake_case, phones E.164 and LIDs). */
export interface GroupWire {
  id: string;
  subject: string;
  description: string | null;
  owner: string | null;
  participants: Array<{
    phone: string | null;
    lid: string | null;
    is_admin: boolean;
    is_super_admin: boolean;
  }>;
  invite_code: string | null;
  created_at: string | null;
}

export function toGroupWire(group: GroupInfo): GroupWire {
  return {
    id: group.id,
    subject: group.subject,
    description: group.description,
    owner: group.owner,
    participants: group.participants.map((p) => ({
      phone: p.phone,
      lid: p.lid,
      is_admin: p.isAdmin,
      is_super_admin: p.isSuperAdmin,
    })),
    invite_code: group.inviteCode,
    created_at: group.createdAt,
  };
}

/** A group id from a path: anything but `…@g.us` is a group nobody has (404). */
function groupId(raw: string): string {
  if (!isGroupJid(raw)) throw notFound("group");
  return raw;
}

/** Phones in any international form → E.164 (deduplicated); 422 naming the bad ones. */
function phones(raw: string[], field: string): string[] {
  const out: string[] = [];
  const invalid: Array<{ index: number; reason: string }> = [];
  raw.forEach((value, index) => {
    const normalized = normalizePhone(value);
    if (normalized.ok) out.push(normalized.e164);
    else invalid.push({ index, reason: normalized.reason });
  });
  if (invalid.length) {
    throw validationFailed(`${field} holds invalid phone numbers`, { field, invalid });
  }
  return [...new Set(out)];
}

const groupOf = (result: { group?: GroupInfo }): GroupWire => {
  if (!result.group) throw new ApiError("internal", "the worker answered no group");
  return toGroupWire(result.group);
};

export async function listGroups(deps: AppDeps, account: Account, session: string) {
  const row = await requireSession(deps.db, account, session);
  const result = await runDriverOp(deps, row, { op: "group_list" });
  const data = (result.groups ?? []).map(toGroupWire);
  data.sort((a, b) => a.subject.localeCompare(b.subject) || a.id.localeCompare(b.id));
  return { data };
}

export async function createGroup(
  deps: AppDeps,
  account: Account,
  session: string,
  input: { subject: string; participants: string[] },
) {
  const participants = phones(input.participants, "participants");
  const row = await requireSession(deps.db, account, session);
  return groupOf(
    await runDriverOp(deps, row, { op: "group_create", subject: input.subject, participants }),
  );
}

export async function getGroup(deps: AppDeps, account: Account, session: string, raw: string) {
  const group = groupId(raw);
  const row = await requireSession(deps.db, account, session);
  return groupOf(await runDriverOp(deps, row, { op: "group_get", group }));
}

export async function changeParticipants(
  deps: AppDeps,
  account: Account,
  session: string,
  raw: string,
  input: Partial<Record<GroupParticipantAction, string[]>>,
) {
  const group = groupId(raw);
  const actions = (["add", "remove", "promote", "demote"] as const).filter(
    (action) => input[action]?.length,
  );
  if (actions.length !== 1) {
    throw validationFailed("give exactly one of add, remove, promote, demote (a non-empty list)", {
      field: "body",
    });
  }
  const action = actions[0]!;
  const list = phones(input[action]!, action);
  const row = await requireSession(deps.db, account, session);
  return groupOf(
    await runDriverOp(deps, row, { op: "group_participants", group, action, phones: list }),
  );
}

export async function updateGroup(
  deps: AppDeps,
  account: Account,
  session: string,
  raw: string,
  input: { subject?: string | undefined; description?: string | undefined },
) {
  const group = groupId(raw);
  if (input.subject === undefined && input.description === undefined) {
    throw validationFailed("give subject or description", { field: "body" });
  }
  const row = await requireSession(deps.db, account, session);
  return groupOf(
    await runDriverOp(deps, row, {
      op: "group_update",
      group,
      ...(input.subject !== undefined ? { subject: input.subject } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
    }),
  );
}

export async function leaveGroup(deps: AppDeps, account: Account, session: string, raw: string) {
  const group = groupId(raw);
  const row = await requireSession(deps.db, account, session);
  await runDriverOp(deps, row, { op: "group_leave", group });
  return { id: group, left: true };
}
