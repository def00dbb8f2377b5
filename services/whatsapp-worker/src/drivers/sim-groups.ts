import { randomBytes } from "node:crypto";
import type { GroupInfo, GroupMember, GroupParticipantAction } from "@wagate/contracts";
import { type Database, simulatorGroups } from "@wagate/db";
import { and, asc, eq } from "drizzle-orm";
import { GroupNotFoundError } from "./types.js";

/**
 * Where the simulator keeps its groups (issue 12), per session. Workers use
 * `postgresSimGroups` (table `simulator_groups`, like the other `simulator_*` state), so a
 * group outlives a worker restart and follows its session to another worker; tests that run
 * on an in-memory network use `memorySimGroups`.
 */
export interface SimGroupStore {
  list(sessionId: string): Promise<GroupInfo[]>;
  get(sessionId: string, id: string): Promise<GroupInfo | null>;
  insert(sessionId: string, group: GroupInfo, at: Date): Promise<void>;
  /**
   * Applies `change` to the stored group (it mutates its argument) and stores the result,
   * atomically for the group; what `change` answered, or null when there is no such group.
   */
  update<T>(
    sessionId: string,
    id: string,
    change: (group: GroupInfo) => T,
    at: Date,
  ): Promise<T | null>;
  remove(sessionId: string, id: string): Promise<boolean>;
}

const copy = (group: GroupInfo): GroupInfo => ({
  ...group,
  participants: group.participants.map((p) => ({ ...p })),
});

/** Groups in one process's memory (lost with it). */
export function memorySimGroups(): SimGroupStore {
  const bySession = new Map<string, Map<string, GroupInfo>>();
  const groupsOf = (sessionId: string) => {
    let groups = bySession.get(sessionId);
    if (!groups) {
      groups = new Map();
      bySession.set(sessionId, groups);
    }
    return groups;
  };
  return {
    list: async (sessionId) => [...groupsOf(sessionId).values()].map(copy),
    get: async (sessionId, id) => {
      const group = groupsOf(sessionId).get(id);
      return group ? copy(group) : null;
    },
    insert: async (sessionId, group) => {
      groupsOf(sessionId).set(group.id, copy(group));
    },
    update: async (sessionId, id, change) => {
      const group = groupsOf(sessionId).get(id);
      return group ? change(group) : null;
    },
    remove: async (sessionId, id) => groupsOf(sessionId).delete(id),
  };
}

/** The process-wide memory store a simulator driver uses unless given one. */
export const processSimGroups = memorySimGroups();

/** Groups in Postgres (`simulator_groups`): shared by every worker, kept across restarts. */
export function postgresSimGroups(db: Database): SimGroupStore {
  const where = (sessionId: string, id: string) =>
    and(eq(simulatorGroups.sessionId, sessionId), eq(simulatorGroups.groupId, id));
  return {
    async list(sessionId) {
      const rows = await db
        .select({ info: simulatorGroups.info })
        .from(simulatorGroups)
        .where(eq(simulatorGroups.sessionId, sessionId))
        .orderBy(asc(simulatorGroups.groupId));
      return rows.map((r) => r.info as GroupInfo);
    },
    async get(sessionId, id) {
      const [row] = await db
        .select({ info: simulatorGroups.info })
        .from(simulatorGroups)
        .where(where(sessionId, id));
      return row ? (row.info as GroupInfo) : null;
    },
    async insert(sessionId, group, at) {
      await db
        .insert(simulatorGroups)
        .values({ sessionId, groupId: group.id, info: group, updatedAt: at });
    },
    async update(sessionId, id, change, at) {
      // One transaction with the row locked: two changes at once apply one after the other.
      return db.transaction(async (tx) => {
        const [row] = await tx
          .select({ info: simulatorGroups.info })
          .from(simulatorGroups)
          .where(where(sessionId, id))
          .for("update");
        if (!row) return null;
        const group = row.info as GroupInfo;
        const answer = change(group);
        await tx
          .update(simulatorGroups)
          .set({ info: group, updatedAt: at })
          .where(where(sessionId, id));
        return answer;
      });
    },
    async remove(sessionId, id) {
      const deleted = await db
        .delete(simulatorGroups)
        .where(where(sessionId, id))
        .returning({ id: simulatorGroups.groupId });
      return deleted.length > 0;
    },
  };
}

export async function simGroupList(store: SimGroupStore, sessionId: string): Promise<GroupInfo[]> {
  return (await store.list(sessionId)).map((g) => ({ ...g, inviteCode: null }));
}

export async function simGroupGet(
  store: SimGroupStore,
  sessionId: string,
  id: string,
): Promise<GroupInfo> {
  const group = await store.get(sessionId, id);
  if (!group) throw new GroupNotFoundError(id);
  return group;
}

export async function simGroupCreate(
  store: SimGroupStore,
  sessionId: string,
  self: GroupMember,
  subject: string,
  participants: GroupMember[],
  at: Date,
): Promise<GroupInfo> {
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
  await store.insert(sessionId, group, at);
  return copy(group);
}

/** Applies a participant change; answers the members it changed (others are left out). */
export async function simGroupChange(
  store: SimGroupStore,
  sessionId: string,
  id: string,
  action: GroupParticipantAction,
  members: GroupMember[],
  at: Date,
): Promise<{ group: GroupInfo; changed: GroupMember[] }> {
  const answer = await store.update(
    sessionId,
    id,
    (group) => {
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
    },
    at,
  );
  if (!answer) throw new GroupNotFoundError(id);
  return answer;
}

export async function simGroupUpdate(
  store: SimGroupStore,
  sessionId: string,
  id: string,
  change: { subject?: string; description?: string },
  at: Date,
): Promise<GroupInfo> {
  const answer = await store.update(
    sessionId,
    id,
    (group) => {
      if (change.subject !== undefined) group.subject = change.subject;
      if (change.description !== undefined) group.description = change.description || null;
      return copy(group);
    },
    at,
  );
  if (!answer) throw new GroupNotFoundError(id);
  return answer;
}

export async function simGroupLeave(
  store: SimGroupStore,
  sessionId: string,
  id: string,
): Promise<void> {
  if (!(await store.remove(sessionId, id))) throw new GroupNotFoundError(id);
}
