import type { SessionCommand } from "@wagate/contracts";
import {
  logoutMarkerKey,
  parseJob,
  QUEUES,
  sessionCommandChannel,
  sessionControlJobSchema,
} from "@wagate/contracts";
import { whatsappSessionAuth, whatsappSessions } from "@wagate/db";
import { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import type { SessionManager } from "./manager.js";
import { publishSessionStatus } from "./publish.js";

/**
 * Consumes `session-control` jobs. `start`: set `desired_state = running` and claim the
 * session here if this worker has room (otherwise another worker's scan claims it).
 * `stop`/`logout`: set `desired_state = stopped` (logout also leaves a marker in Redis), then
 * reach the owner on the `session-cmd` channel; an owner that missed the message sees the
 * desired state at its next heartbeat. With no owner, a logout forgets the stored auth here.
 */
export async function handleSessionControl(
  ctx: WorkerContext,
  manager: SessionManager,
  data: unknown,
): Promise<string> {
  const { sessionId, action } = parseJob(QUEUES.sessionControl, sessionControlJobSchema, data);
  const [row] = await ctx.db
    .select()
    .from(whatsappSessions)
    .where(eq(whatsappSessions.id, sessionId));
  if (!row) return "missing";
  if (action === "start") {
    if (row.desiredState !== "running") {
      await ctx.db
        .update(whatsappSessions)
        .set({ desiredState: "running", updatedAt: ctx.now() })
        .where(eq(whatsappSessions.id, sessionId));
    }
    if (manager.owns(sessionId)) {
      await manager.handleCommand({ sessionId, action });
    } else if (await manager.lease.owner(sessionId)) {
      // Owned elsewhere: the owner reopens it if it failed.
      await ctx.redis.publish(
        sessionCommandChannel(ctx.redisPrefix),
        JSON.stringify({ sessionId, action } satisfies SessionCommand),
      );
    } else {
      await manager.claim(sessionId);
    }
    return "started";
  }
  await ctx.db
    .update(whatsappSessions)
    .set({ desiredState: "stopped", updatedAt: ctx.now() })
    .where(eq(whatsappSessions.id, sessionId));
  const marker = logoutMarkerKey(ctx.redisPrefix, sessionId);
  if (action === "logout") await ctx.redis.set(marker, "1", "EX", 3600);
  if (manager.owns(sessionId)) {
    await manager.handleCommand({ sessionId, action });
    return action;
  }
  const owner = await manager.lease.owner(sessionId);
  if (owner) {
    await ctx.redis.publish(
      sessionCommandChannel(ctx.redisPrefix),
      JSON.stringify({ sessionId, action } satisfies SessionCommand),
    );
    return `${action}:forwarded`;
  }
  if (action === "logout") {
    // Nobody runs it: forget the auth here (the driver clears what it keeps outside the row).
    await ctx
      .driverFactory({ id: row.id, userId: row.userId, driver: row.driver, mode: row.mode })
      .logout()
      .catch(() => {});
    await ctx.db.delete(whatsappSessionAuth).where(eq(whatsappSessionAuth.sessionId, sessionId));
    await ctx.redis.del(marker);
  }
  if (row.status !== "stopped")
    await publishSessionStatus(ctx, sessionId, "stopped", { lastError: null });
  return action;
}

export function createSessionControlWorker(ctx: WorkerContext, manager: SessionManager): Worker {
  const worker = new Worker(
    QUEUES.sessionControl,
    (job) => handleSessionControl(ctx, manager, job.data),
    {
      connection: ctx.redis,
      prefix: ctx.redisPrefix,
      concurrency: 4,
    },
  );
  worker.on("error", (error) => ctx.logger.error({ err: error }, "session-control worker error"));
  worker.on("failed", (job, error) =>
    ctx.logger.warn({ err: error, jobId: job?.id }, "session-control job failed"),
  );
  return worker;
}
