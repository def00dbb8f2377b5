import { type KeyMode, sessionCommandChannel } from "@wagate/contracts";
import { quotaUsed } from "@wagate/core";
import { apiKeys, type Executor, newId, users } from "@wagate/db";
import { and, desc, eq, ilike, isNull, lt, or } from "drizzle-orm";
import type { AppDeps } from "../../lib/context.js";
import { conflict, notFound } from "../../lib/errors.js";
import { invalidateApiKeys } from "../api-keys/cache.js";
import { type AuditActor, recordAdminAudit } from "../audit.js";
import { isUniqueViolation } from "../db-errors.js";

export type UserRow = typeof users.$inferSelect;

const live = isNull(users.deletedAt);

export const userSnapshot = (row: UserRow) => ({
  name: row.name,
  email: row.email,
  phone: row.phone,
  is_active: row.isActive,
  max_messages_per_day: row.maxMessagesPerDay,
  max_sessions: row.maxSessions,
  pacing: row.pacing ?? null,
});

/** Stored pacing overrides: an empty object is no override at all (null). */
const storedPacing = (pacing: Record<string, number> | null) =>
  pacing && Object.keys(pacing).length > 0 ? pacing : null;

/** `%` and `_` typed by a user are literal characters, not wildcards. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export async function getUser(executor: Executor, id: string): Promise<UserRow> {
  const [row] = await executor
    .select()
    .from(users)
    .where(and(eq(users.id, id), live));
  if (!row) throw notFound("user");
  return row;
}

export interface ListUsersInput {
  limit: number;
  cursor?: string;
  /** Case-insensitive substring of name, email or phone. */
  search?: string;
  isActive?: boolean;
  /** Exact phone (E.164). */
  phone?: string;
}

export async function listUsers(executor: Executor, input: ListUsersInput): Promise<UserRow[]> {
  const pattern = input.search ? likePattern(input.search) : undefined;
  return executor
    .select()
    .from(users)
    .where(
      and(
        live,
        input.cursor ? lt(users.id, input.cursor) : undefined,
        input.isActive === undefined ? undefined : eq(users.isActive, input.isActive),
        input.phone ? eq(users.phone, input.phone) : undefined,
        pattern
          ? or(ilike(users.name, pattern), ilike(users.email, pattern), ilike(users.phone, pattern))
          : undefined,
      ),
    )
    .orderBy(desc(users.id))
    .limit(input.limit + 1);
}

/** One mode's usage today (UTC day): accepted sends and what is left of the daily quota. */
export interface ModeUsage {
  messagesToday: number;
  quotaRemaining: number;
}

/**
 * Today's usage (UTC day) from the quota counters, per key mode: live and test sends have
 * separate counters, each bounded by `max_messages_per_day`.
 */
export async function todayUsage(
  deps: Pick<AppDeps, "redis" | "redisPrefix" | "now">,
  row: UserRow,
): Promise<Record<KeyMode, ModeUsage>> {
  const now = deps.now();
  const usage = async (mode: KeyMode): Promise<ModeUsage> => {
    const used = await quotaUsed(deps.redis, deps.redisPrefix, { userId: row.id, mode, now });
    return { messagesToday: used, quotaRemaining: Math.max(0, row.maxMessagesPerDay - used) };
  };
  const [live, test] = await Promise.all([usage("live"), usage("test")]);
  return { live, test };
}

export interface UserFields {
  name: string;
  email: string;
  phone?: string | null;
  max_messages_per_day?: number;
  max_sessions?: number;
  /** Pacing overrides (validated by the route's schema); null clears them. */
  pacing?: Record<string, number> | null;
}

export async function createUser(
  executor: Executor,
  input: UserFields,
  actor: AuditActor,
): Promise<UserRow> {
  try {
    return await executor.transaction(async (tx) => {
      const [row] = await tx
        .insert(users)
        .values({
          id: newId("user"),
          name: input.name,
          email: input.email,
          phone: input.phone ?? null,
          ...(input.max_messages_per_day !== undefined
            ? { maxMessagesPerDay: input.max_messages_per_day }
            : {}),
          ...(input.max_sessions !== undefined ? { maxSessions: input.max_sessions } : {}),
          ...(input.pacing !== undefined ? { pacing: storedPacing(input.pacing) } : {}),
        })
        .returning();
      await recordAdminAudit(tx, actor, {
        action: "user.create",
        targetType: "user",
        targetId: row!.id,
        after: userSnapshot(row!),
      });
      return row!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("an account with this email already exists");
    throw error;
  }
}

/**
 * Tells the workers the account's pacing changed: each owner of one of its sessions re-reads
 * `users.pacing` (otherwise it is read when a session starts). Best effort: the row is the truth.
 */
async function announcePacing(deps: AppDeps, userId: string): Promise<void> {
  await deps.redis
    .publish(sessionCommandChannel(deps.redisPrefix), JSON.stringify({ action: "pacing", userId }))
    .catch((error) => deps.logger.warn({ err: error, userId }, "pacing change not announced"));
}

/**
 * Updates an account. Any change that affects what its keys may do (activation, limits)
 * drops the keys from every replica's cache, so the new state applies at once.
 */
export async function updateUser(
  deps: AppDeps,
  id: string,
  input: Partial<UserFields> & { is_active?: boolean },
  actor: AuditActor,
  action = "user.update",
): Promise<UserRow> {
  let row: UserRow | null;
  try {
    row = await deps.db.transaction(async (tx): Promise<UserRow | null> => {
      const before = await getUser(tx, id);
      const changes = {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.email !== undefined ? { email: input.email } : {}),
        ...(input.phone !== undefined ? { phone: input.phone } : {}),
        ...(input.max_messages_per_day !== undefined
          ? { maxMessagesPerDay: input.max_messages_per_day }
          : {}),
        ...(input.max_sessions !== undefined ? { maxSessions: input.max_sessions } : {}),
        ...(input.pacing !== undefined ? { pacing: storedPacing(input.pacing) } : {}),
        ...(input.is_active !== undefined ? { isActive: input.is_active } : {}),
      };
      // A PATCH naming no editable field changes nothing: the account as it is.
      if (Object.keys(changes).length === 0) return null;
      const [updated] = await tx.update(users).set(changes).where(eq(users.id, id)).returning();
      await recordAdminAudit(tx, actor, {
        action,
        targetType: "user",
        targetId: id,
        before: userSnapshot(before),
        after: userSnapshot(updated!),
      });
      return updated!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("an account with this email already exists");
    throw error;
  }
  if (row === null) return getUser(deps.db, id);
  await invalidateApiKeys(deps, { userId: id });
  if (input.pacing !== undefined) await announcePacing(deps, id);
  return row;
}

/**
 * Soft-deletes an account: `deleted_at` is set, its email is free again, and every key it had
 * is revoked in the same transaction, then dropped from the caches, so no key works after
 * the 204.
 */
export async function deleteUser(deps: AppDeps, id: string, actor: AuditActor): Promise<void> {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    const before = await getUser(tx, id);
    await tx.update(users).set({ deletedAt: now, isActive: false }).where(eq(users.id, id));
    await tx
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.userId, id), isNull(apiKeys.revokedAt)));
    await recordAdminAudit(tx, actor, {
      action: "user.delete",
      targetType: "user",
      targetId: id,
      before: userSnapshot(before),
    });
  });
  await invalidateApiKeys(deps, { userId: id });
}
