import type { SessionEventMessage, SessionStatus } from "@wagate/contracts";
import { sessionEventsChannel, sessionQrKey } from "@wagate/contracts";
import { toSessionWire } from "@wagate/core";
import { whatsappSessions } from "@wagate/db";
import { eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import { withEvents } from "../events/emit.js";

export interface StatusChange {
  phoneNumber?: string | null;
  lastError?: string | null;
}

/**
 * Records a session status everywhere it is read: the row (status, phone number,
 * connected/active times, last error), the Redis QR key (dropped once not waiting for a
 * scan), the pub/sub channel `{type:"status", ...}` and the `session.status` webhook. The row
 * and the webhook event are one transaction: a failure (Postgres away) changes nothing and
 * the call can simply be repeated.
 */
export async function publishSessionStatus(
  ctx: WorkerContext,
  sessionId: string,
  status: SessionStatus,
  change: StatusChange = {},
): Promise<void> {
  const now = ctx.now();
  await withEvents(
    ctx,
    async (tx, emit) => {
      const [updated] = await tx
        .update(whatsappSessions)
        .set({
          status,
          lastActiveAt: now,
          ...(change.phoneNumber !== undefined ? { phoneNumber: change.phoneNumber } : {}),
          ...(status === "ready" ? { connectedAt: now, lastError: null } : {}),
          ...(change.lastError !== undefined ? { lastError: change.lastError } : {}),
          updatedAt: now,
        })
        .where(eq(whatsappSessions.id, sessionId))
        .returning();
      if (updated) {
        await emit({
          userId: updated.userId,
          type: "session.status",
          data: { ...toSessionWire(updated), last_error: updated.lastError },
          now,
        });
      }
      return updated;
    },
    // Redis follows the row at once; the webhook job is queued after the pub/sub message.
    async (row) => {
      if (!row) return;
      if (status !== "qr") await ctx.redis.del(sessionQrKey(ctx.redisPrefix, sessionId));
      await ctx.redis.publish(
        sessionEventsChannel(ctx.redisPrefix, sessionId),
        JSON.stringify({
          type: "status",
          session_id: sessionId,
          ...toSessionWire(row),
          last_error: row.lastError,
        } satisfies SessionEventMessage),
      );
    },
  );
}

/** Stores the current QR (`{qr, expires_at}`, expiring) and announces it on the channel. */
export async function publishQr(ctx: WorkerContext, sessionId: string, qr: string): Promise<void> {
  const expiresAt = new Date(ctx.now().getTime() + ctx.options.qrTtlMs).toISOString();
  const body = JSON.stringify({ qr, expires_at: expiresAt });
  await ctx.redis.set(sessionQrKey(ctx.redisPrefix, sessionId), body, "PX", ctx.options.qrTtlMs);
  await ctx.redis.publish(
    sessionEventsChannel(ctx.redisPrefix, sessionId),
    JSON.stringify({
      type: "qr",
      session_id: sessionId,
      qr,
      expires_at: expiresAt,
    } satisfies SessionEventMessage),
  );
}
