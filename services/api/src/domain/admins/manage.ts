import type { AdminRole } from "@wagate/contracts";
import { admins, type Executor, newId } from "@wagate/db";
import { and, count, desc, eq, isNull, lt, ne, sql } from "drizzle-orm";
import type { AdminPrincipal, AppDeps } from "../../lib/context.js";
import { conflict, forbidden, notFound } from "../../lib/errors.js";
import { type AuditActor, recordAdminAudit, recordAudit } from "../audit.js";
import { hashPassword, type PasswordCost, passwordCostOf } from "../auth/passwords.js";
import { clearLoginFailures } from "../auth/rate-limit.js";
import { revokeAdminRefreshTokens } from "../auth/refresh.js";
import { revokeAccessTokens } from "../auth/tokens.js";
import { isUniqueViolation } from "../db-errors.js";

export type AdminRow = typeof admins.$inferSelect;

/** What audit rows may hold about an admin: never the password hash. */
export const adminSnapshot = (row: AdminRow) => ({
  email: row.email,
  role: row.role,
  phone: row.phone,
  is_active: row.isActive,
  locked_until: row.lockedUntil?.toISOString() ?? null,
});

const live = isNull(admins.deletedAt);

/** Serialises owner-affecting changes so two of them can never leave zero active owners. */
const lockOwners = (tx: Executor) =>
  tx.execute(sql`select pg_advisory_xact_lock(hashtext('wagate:admin-owners'))`);

async function otherActiveOwners(tx: Executor, exceptId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(admins)
    .where(and(live, eq(admins.role, "owner"), eq(admins.isActive, true), ne(admins.id, exceptId)));
  return row?.n ?? 0;
}

export async function getAdmin(executor: Executor, id: string): Promise<AdminRow> {
  const [row] = await executor
    .select()
    .from(admins)
    .where(and(eq(admins.id, id), live));
  if (!row) throw notFound("admin");
  return row;
}

export async function listAdmins(
  executor: Executor,
  input: { limit: number; cursor?: string; role?: AdminRole },
): Promise<AdminRow[]> {
  return executor
    .select()
    .from(admins)
    .where(
      and(
        live,
        input.cursor ? lt(admins.id, input.cursor) : undefined,
        input.role ? eq(admins.role, input.role) : undefined,
      ),
    )
    .orderBy(desc(admins.id))
    .limit(input.limit + 1);
}

export interface CreateAdminInput {
  email: string;
  password: string;
  role: AdminRole;
  phone?: string | null;
}

/**
 * Creates an admin. `by` is the acting admin (null from the CLI or the bootstrap, which act
 * as the system): only an owner may create an owner. The password is hashed at `passwordCost`.
 */
export async function createAdmin(
  executor: Executor,
  input: CreateAdminInput,
  by: { principal: AdminPrincipal; actor: AuditActor } | null,
  passwordCost: PasswordCost,
): Promise<AdminRow> {
  if (by && input.role === "owner" && by.principal.role !== "owner") {
    throw forbidden("only an owner may create an owner");
  }
  const email = input.email.trim().toLowerCase();
  const passwordHash = await hashPassword(input.password, passwordCost);
  try {
    return await executor.transaction(async (tx) => {
      const [row] = await tx
        .insert(admins)
        .values({
          id: newId("admin"),
          email,
          passwordHash,
          role: input.role,
          phone: input.phone ?? null,
        })
        .returning();
      const created = row!;
      const entry = {
        action: "admin.create",
        targetType: "admin",
        targetId: created.id,
        after: adminSnapshot(created),
      };
      if (by) await recordAdminAudit(tx, by.actor, entry);
      else await recordAudit(tx, { ...entry, actorType: "system", actorId: null });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("an admin with this email already exists");
    throw error;
  }
}

export interface UpdateAdminInput {
  email?: string;
  role?: AdminRole;
  phone?: string | null;
  is_active?: boolean;
  password?: string;
}

/**
 * Updates an admin. Only an owner may modify an owner or make someone an owner; the last
 * active owner can be neither demoted nor deactivated. A new password, role or deactivation
 * ends the target's sessions (refresh tokens revoked, access tokens refused).
 */
export async function updateAdmin(
  deps: AppDeps,
  id: string,
  input: UpdateAdminInput,
  by: { principal: AdminPrincipal; actor: AuditActor },
): Promise<AdminRow> {
  const passwordHash = input.password
    ? await hashPassword(input.password, passwordCostOf(deps.env))
    : undefined;
  const now = deps.now();
  let endSessions = false;
  try {
    const updated = await deps.db.transaction(async (tx) => {
      await lockOwners(tx);
      const before = await getAdmin(tx, id);
      const touchesOwner = before.role === "owner" || input.role === "owner";
      if (touchesOwner && by.principal.role !== "owner") {
        throw forbidden("only an owner may modify an owner");
      }
      const losesOwner =
        before.role === "owner" &&
        before.isActive &&
        ((input.role !== undefined && input.role !== "owner") || input.is_active === false);
      if (losesOwner && (await otherActiveOwners(tx, id)) === 0) {
        throw conflict("the last active owner cannot be demoted or deactivated");
      }
      endSessions =
        passwordHash !== undefined ||
        (input.role !== undefined && input.role !== before.role) ||
        (input.is_active === false && before.isActive);
      const changes = {
        ...(input.email !== undefined ? { email: input.email.trim().toLowerCase() } : {}),
        ...(input.role !== undefined ? { role: input.role } : {}),
        ...(input.phone !== undefined ? { phone: input.phone } : {}),
        ...(input.is_active !== undefined ? { isActive: input.is_active } : {}),
        ...(passwordHash ? { passwordHash, passwordChangedAt: now } : {}),
      };
      // A PATCH naming no editable field changes nothing: the admin as it is.
      if (Object.keys(changes).length === 0) return before;
      const [row] = await tx.update(admins).set(changes).where(eq(admins.id, id)).returning();
      if (endSessions) await revokeAdminRefreshTokens(tx, id, now, "admin_updated");
      await recordAdminAudit(tx, by.actor, {
        action: "admin.update",
        targetType: "admin",
        targetId: id,
        before: adminSnapshot(before),
        after: adminSnapshot(row!),
        metadata: passwordHash ? { password_changed: true } : null,
      });
      return row!;
    });
    if (endSessions) await revokeAccessTokens(deps, id);
    return updated;
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("an admin with this email already exists");
    throw error;
  }
}

/** Soft-deletes an admin (its email becomes free again) and ends its sessions. */
export async function deleteAdmin(
  deps: AppDeps,
  id: string,
  by: { principal: AdminPrincipal; actor: AuditActor },
): Promise<void> {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    await lockOwners(tx);
    const before = await getAdmin(tx, id);
    if (before.role === "owner" && by.principal.role !== "owner") {
      throw forbidden("only an owner may delete an owner");
    }
    if (before.role === "owner" && before.isActive && (await otherActiveOwners(tx, id)) === 0) {
      throw conflict("the last active owner cannot be deleted");
    }
    await tx.update(admins).set({ deletedAt: now, isActive: false }).where(eq(admins.id, id));
    await revokeAdminRefreshTokens(tx, id, now, "admin_deleted");
    await recordAdminAudit(tx, by.actor, {
      action: "admin.delete",
      targetType: "admin",
      targetId: id,
      before: adminSnapshot(before),
    });
  });
  await revokeAccessTokens(deps, id);
}

/** Lifts a login lock and resets the failure count. */
export async function unlockAdmin(
  deps: AppDeps,
  id: string,
  by: { actor: AuditActor },
): Promise<AdminRow> {
  const unlocked = await deps.db.transaction(async (tx) => {
    const before = await getAdmin(tx, id);
    const [row] = await tx
      .update(admins)
      .set({ lockedUntil: null, failedLoginCount: 0 })
      .where(eq(admins.id, id))
      .returning();
    await recordAdminAudit(tx, by.actor, {
      action: "admin.unlock",
      targetType: "admin",
      targetId: id,
      before: adminSnapshot(before),
      after: adminSnapshot(row!),
    });
    return row!;
  });
  await clearLoginFailures(deps, unlocked.email);
  return unlocked;
}
