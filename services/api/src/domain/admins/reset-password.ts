import { admins, type Database } from "@wagate/db";
import { and, eq, isNull } from "drizzle-orm";
import { notFound } from "../../lib/errors.js";
import { recordAudit } from "../audit.js";
import { hashPassword, type PasswordCost } from "../auth/passwords.js";
import { revokeAdminRefreshTokens } from "../auth/refresh.js";

/**
 * The way back for an operator who lost every admin password (`npm run admin --
 * reset-password`): sets a new password, lifts a lock from failed logins, reactivates nothing
 * else, revokes the admin's refresh tokens and audits the change as the system. The CLI then
 * bumps the admin's access-token version in Redis when it answers (`bumpTokenVersion`).
 */
export async function resetAdminPassword(
  db: Database,
  input: { email: string; password: string; now: Date },
  passwordCost: PasswordCost,
): Promise<{ id: string; email: string }> {
  const passwordHash = await hashPassword(input.password, passwordCost);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(admins)
      .set({
        passwordHash,
        passwordChangedAt: input.now,
        failedLoginCount: 0,
        lockedUntil: null,
        updatedAt: input.now,
      })
      .where(and(eq(admins.email, input.email.trim().toLowerCase()), isNull(admins.deletedAt)))
      .returning({ id: admins.id, email: admins.email });
    if (!row) throw notFound("admin");
    await revokeAdminRefreshTokens(tx, row.id, input.now, "password_reset_cli");
    await recordAudit(tx, {
      actorType: "system",
      actorId: null,
      action: "admin.reset_password",
      targetType: "admin",
      targetId: row.id,
    });
    return row;
  });
}
