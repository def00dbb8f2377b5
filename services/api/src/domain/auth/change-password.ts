import { admins } from "@wagate/db";
import { eq } from "drizzle-orm";
import type { AppDeps } from "../../lib/context.js";
import { validationFailed } from "../../lib/errors.js";
import { getAdmin } from "../admins/manage.js";
import { type AuditActor, recordAdminAudit } from "../audit.js";
import { hashPassword, passwordCostOf, verifyPassword } from "./passwords.js";
import { revokeAdminRefreshTokens } from "./refresh.js";
import { revokeAccessTokens } from "./tokens.js";

/**
 * Changes the acting admin's own password after checking the current one. Every refresh
 * token of the admin is revoked and every access token issued before now is refused
 * (token version bump), so all sessions, this one included, must log in again.
 */
export async function changePassword(
  deps: AppDeps,
  input: { adminId: string; currentPassword: string; newPassword: string; actor: AuditActor },
): Promise<void> {
  const admin = await getAdmin(deps.db, input.adminId);
  if (!(await verifyPassword(admin.passwordHash, input.currentPassword))) {
    throw validationFailed("the current password is wrong", {
      fields: [{ path: "current_password", message: "is wrong" }],
    });
  }
  if (input.currentPassword === input.newPassword) {
    throw validationFailed("the new password must differ from the current one", {
      fields: [{ path: "new_password", message: "must differ from current_password" }],
    });
  }
  const passwordHash = await hashPassword(input.newPassword, passwordCostOf(deps.env));
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    await tx
      .update(admins)
      .set({ passwordHash, passwordChangedAt: now })
      .where(eq(admins.id, input.adminId));
    await revokeAdminRefreshTokens(tx, input.adminId, now, "password_changed");
    await recordAdminAudit(tx, input.actor, {
      action: "admin.change_password",
      targetType: "admin",
      targetId: input.adminId,
    });
  });
  await revokeAccessTokens(deps, input.adminId);
}
