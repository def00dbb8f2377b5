import { whatsappSessionAuth, whatsappSessions } from "@wagate/db";
import { and, eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import { publishSessionStatus } from "./publish.js";
import type { SessionRow } from "./registry.js";

/**
 * Marks a logout carried out: `desired_state` goes from `logged_out` to `stopped`, the
 * session's resting state, unless a newer command (a higher `desired_generation`) came
 * meanwhile, which then stands. Until this succeeds the logout stays pending in the row and
 * any worker carries it out again (it is idempotent).
 */
export async function settleLogout(
  ctx: WorkerContext,
  sessionId: string,
  generation: number,
): Promise<void> {
  await ctx.db
    .update(whatsappSessions)
    .set({ desiredState: "stopped", updatedAt: ctx.now() })
    .where(
      and(
        eq(whatsappSessions.id, sessionId),
        eq(whatsappSessions.desiredState, "logged_out"),
        eq(whatsappSessions.desiredGeneration, generation),
      ),
    );
}

/**
 * Carries out the desired state of a session nobody runs, while the caller holds its lease
 * for the moment: a pending logout forgets the stored auth (and whatever the driver keeps
 * outside the row), then is settled; either way the status becomes `stopped` and a dead
 * owner's lease mirror is cleared.
 */
export async function settleUnowned(ctx: WorkerContext, row: SessionRow): Promise<void> {
  if (row.desiredState === "running") return;
  if (row.desiredState === "logged_out") {
    const driver = ctx.driverFactory({
      id: row.id,
      userId: row.userId,
      driver: row.driver,
      mode: row.mode,
    });
    await driver
      .logout()
      .catch((error) => ctx.logger.warn({ err: error, sessionId: row.id }, "driver logout failed"));
    driver.removeAllListeners();
    await ctx.db.delete(whatsappSessionAuth).where(eq(whatsappSessionAuth.sessionId, row.id));
    await settleLogout(ctx, row.id, row.desiredGeneration);
    ctx.logger.info({ sessionId: row.id }, "session logged out with no owner");
  }
  if (row.status !== "stopped") {
    await publishSessionStatus(ctx, row.id, "stopped", { lastError: null });
  }
  if (row.ownerWorkerId !== null) {
    // The mirror of a dead owner's lease: nobody runs the session now.
    await ctx.db
      .update(whatsappSessions)
      .set({ ownerWorkerId: null, leaseExpiresAt: null })
      .where(eq(whatsappSessions.id, row.id));
  }
}
