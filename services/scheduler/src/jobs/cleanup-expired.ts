import { sessionLeaseKey } from "@wagate/contracts";
import { whatsappSessions } from "@wagate/db";
import { and, eq, isNotNull, sql } from "drizzle-orm";
import { addDays, type JobContext, type JobDefinition } from "../context.js";
import { deleteBatch, inBatches } from "./prune-logs.js";

/**
 * Clears the operator-facing lease mirror (`owner_worker_id`, `lease_expires_at`) of
 * sessions whose Redis lease is gone and whose mirrored expiry has passed. The fencing
 * token `lease_token` stays: tokens must keep growing. The update is guarded by the owner
 * and token read, so a worker claiming the session meanwhile is never undone.
 */
async function clearStaleLeaseMirrors(ctx: JobContext, now: Date): Promise<number> {
  const owned = await ctx.db
    .select({
      id: whatsappSessions.id,
      owner: whatsappSessions.ownerWorkerId,
      token: whatsappSessions.leaseToken,
      expiresAt: whatsappSessions.leaseExpiresAt,
    })
    .from(whatsappSessions)
    .where(isNotNull(whatsappSessions.ownerWorkerId));
  let cleared = 0;
  for (const row of owned) {
    if (row.expiresAt && row.expiresAt > now) continue;
    if ((await ctx.redis.exists(sessionLeaseKey(ctx.redisPrefix, row.id))) === 1) continue;
    const updated = await ctx.db
      .update(whatsappSessions)
      .set({ ownerWorkerId: null, leaseExpiresAt: null })
      .where(
        and(
          eq(whatsappSessions.id, row.id),
          eq(whatsappSessions.ownerWorkerId, row.owner!),
          row.token === null
            ? sql`${whatsappSessions.leaseToken} is null`
            : eq(whatsappSessions.leaseToken, row.token),
        ),
      )
      .returning({ id: whatsappSessions.id });
    cleared += updated.length;
  }
  return cleared;
}

export const cleanupExpired: JobDefinition = {
  name: "cleanup-expired",
  description:
    "Delete refresh tokens expired or revoked past REFRESH_TOKEN_GRACE_DAYS; mark password " +
    "resets past expiry `expired`, delete finished ones past PASSWORD_RESET_RETENTION_DAYS; " +
    "clear session lease mirrors whose Redis lease is gone.",
  schedules: (s) =>
    s.SCHEDULE_CLEANUP_EXPIRED === "off"
      ? []
      : [{ id: "cleanup-expired", pattern: s.SCHEDULE_CLEANUP_EXPIRED }],
  run: async (ctx) => {
    const now = ctx.now();
    const nowIso = now.toISOString();
    const tokenCutoff = addDays(now, -ctx.settings.REFRESH_TOKEN_GRACE_DAYS).toISOString();
    const refreshTokensDeleted = await inBatches(
      ctx,
      deleteBatch(
        "refresh_tokens",
        sql`expires_at < ${tokenCutoff}::timestamptz or revoked_at < ${tokenCutoff}::timestamptz`,
      ),
    );
    // A request still waiting for its OTP (or, once verified, for the new password) expires
    // when its own deadline passes.
    const resetsExpired = await inBatches(
      ctx,
      (limit) => sql`
        update password_reset_requests set status = 'expired', updated_at = now()
         where id in (select id from password_reset_requests
                       where (status = 'pending' and expires_at < ${nowIso}::timestamptz)
                          or (status = 'verified'
                              and coalesce(reset_token_expires_at, expires_at) < ${nowIso}::timestamptz)
                       limit ${limit})
        returning id`,
    );
    const resetCutoff = addDays(now, -ctx.settings.PASSWORD_RESET_RETENTION_DAYS).toISOString();
    const resetsDeleted = await inBatches(
      ctx,
      deleteBatch(
        "password_reset_requests",
        sql`status in ('expired', 'used', 'blocked') and created_at < ${resetCutoff}::timestamptz`,
      ),
    );
    return {
      refresh_tokens_deleted: refreshTokensDeleted,
      password_resets_expired: resetsExpired,
      password_resets_deleted: resetsDeleted,
      session_lease_mirrors_cleared: await clearStaleLeaseMirrors(ctx, now),
    };
  },
};
