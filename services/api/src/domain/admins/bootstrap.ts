import { admins, type Database } from "@wagate/db";
import { isNull, sql } from "drizzle-orm";
import type { AppDeps } from "../../lib/context.js";
import { type PasswordCost, passwordCostOf } from "../auth/passwords.js";
import { createAdmin } from "./manage.js";

export type BootstrapResult = { created: true; id: string } | { created: false };

const noLiveAdmin = async (db: Pick<Database, "select">) => {
  const [row] = await db
    .select({ id: admins.id })
    .from(admins)
    .where(isNull(admins.deletedAt))
    .limit(1);
  return !row;
};

/**
 * Creates the first `owner` when no admin exists yet. Idempotent, and safe when several API
 * replicas start at once: the check and the insert run under one transaction-scoped
 * advisory lock, so exactly one replica creates the owner and the others see it.
 */
export async function bootstrapFirstAdmin(
  db: Database,
  input: { email: string; password: string },
  passwordCost: PasswordCost,
): Promise<BootstrapResult> {
  if (!(await noLiveAdmin(db))) return { created: false };
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('wagate:first-admin'))`);
    if (!(await noLiveAdmin(tx))) return { created: false } as const;
    const admin = await createAdmin(
      tx,
      { email: input.email, password: input.password, role: "owner" },
      null,
      passwordCost,
    );
    return { created: true, id: admin.id } as const;
  });
}

/** Start-up step: bootstraps from `ADMIN_EMAIL`/`ADMIN_PASSWORD` when both are set. */
export async function bootstrapFromEnv(deps: AppDeps): Promise<void> {
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = deps.env;
  if (!email || !password) return;
  const result = await bootstrapFirstAdmin(deps.db, { email, password }, passwordCostOf(deps.env));
  if (result.created) {
    deps.logger.info({ adminId: result.id, email }, "first admin (owner) created from ADMIN_EMAIL");
  }
}
