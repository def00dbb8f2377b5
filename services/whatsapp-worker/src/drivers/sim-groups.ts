import { randomBytes } from "node:crypto";
import type { GroupInfo, GroupMember, GroupParticipantAction } from "@wagate/contracts";
import { GroupNotFoundError } from "./types.js";

/**
 * The simulator's groups (issue 12), per session, in this process's memory: they last as
 * long as the worker process (a session moved to another worker, or a restarted worker,
 * starts with none). Enough to exercise the group API and its events end to end.
 */
const groupsBySession = new Map<string, Map<string, GroupInfo>>();

const groupsOf = (sessionId: string) => {
  let groups = groupsBySession.get(sessionId);
  if (!groups) {
    groups = new Map();
    groupsBySession.set(sessionId, groups);
  }
  return groups;
};

const copy = (group: GroupInfo): GroupInfo => ({
  ...group,
  participants: group.participants.map((p) => ({ ...p })),
});

export function simGroupList(sessionId: string): GroupInfo[] {
  return [...groupsOf(sessionId).values()].map((g) => ({ ...copy(g), inviteCode: null }));
}

export function simGroupGet(sessionId: string, id: string): GroupInfo {
  const group = groupsOf(sessionId).get(id);
  if (!group) throw new GroupNotFoundError(id);
  return copy(group);
}

export function simGroupCreate(
  sessionId: string,
  self: GroupMember,
  subject: string,
  participants: GroupMember[],
  at: Date,
): GroupInfo {
  const id = `120363${BigInt(`0x${randomBytes(6).toString("hex")}`)
    .toString()
    .padStart(12, "0")
    .slice(-12)}@g.us`;
  const group: GroupInfo = {
    id,
    subject,
    description: null,
    owner: self.phone,
    participants: [{ ...self, isAdmin: true, isSuperAdmin: true }, ...participants],
    inviteCode: randomBytes(16).toString("base64url").slice(0, 22),
    createdAt: at.toISOString(),
  };
  groupsOf(sessionId).set(id, group);
  return copy(group);
}

/** Applies a participant change; answers the members it changed (others are left out). */
export function simGroupChange(
  sessionId: string,
  id: string,
  action: GroupParticipantAction,
  members: GroupMember[],
): { group: GroupInfo; changed: GroupMember[] } {
  const group = groupsOf(sessionId).get(id);
  if (!group) throw new GroupNotFoundError(id);
  const changed: GroupMember[] = [];
  for (const member of members) {
    const index = group.participants.findIndex((p) => p.phone === member.phone);
    const current = group.participants[index];
    if (action === "add" && !current) {
      group.participants.push({ ...member, isAdmin: false, isSuperAdmin: false });
      changed.push(member);
    } else if (action === "remove" && current && !current.isSuperAdmin) {
      group.participants.splice(index, 1);
      changed.push(current);
    } else if (action === "promote" && current && !current.isAdmin) {
      current.isAdmin = true;
      changed.push(current);
    } else if (action === "demote" && current?.isAdmin && !current.isSuperAdmin) {
      current.isAdmin = false;
      changed.push(current);
    }
  }
  return { group: copy(group), changed: changed.map((m) => ({ ...m })) };
}

export function simGroupUpdate(
  sessionId: string,
  id: string,
  change: { subject?: string; description?: string },
): GroupInfo {
  const group = groupsOf(sessionId).get(id);
  if (!group) throw new GroupNotFoundError(id);
  if (change.subject !== undefined) group.subject = change.subject;
  if (change.description !== undefined) group.description = change.description || null;
  return copy(group);
}

export function simGroupLeave(sessionId: string, id: string): void {
  if (!groupsOf(sessionId).delete(id)) throw new GroupNotFoundError(id);
}

/** Whether a group exists on the session (sends to it). */
export const simGroupExists = (sessionId: string, id: string) => groupsOf(sessionId).has(id);
