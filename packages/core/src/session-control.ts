import {
  type SessionDesiredState,
  type SessionNudge,
  sessionCommandChannel,
} from "@wagate/contracts";
import { type Executor, whatsappSessions } from "@wagate/db";
import { eq, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

/**
 * Session control has one source of truth, the session row's `desired_state`, and one nudge
 * to the owner. A command (POST /sessions/init, /sessions/disconnect) writes the row with
 * `desiredStateChange` (bumping `desired_generation`), then calls `nudgeSessionOwner`. The
 * worker that owns the session acts on the nudge at once; an owner that missed it follows the
 * row at its next heartbeat; a session nobody owns is claimed (`running`) or logged out
 * (`logged_out`) by the next worker's claim scan.
 */

/** The row values of a command: the new desired state and the next generation. */
export const desiredStateChange = (state: SessionDesiredState) => ({
  desiredState: state,
  desiredGeneration: sql<number>`${whatsappSessions.desiredGeneration} + 1`,
});

/** Records a command on the session row (see `desiredStateChange`). */
export async function setDesiredState(
  db: Executor,
  sessionId: string,
  state: SessionDesiredState,
): Promise<void> {
  await db
    .update(whatsappSessions)
    .set(desiredStateChange(state))
    .where(eq(whatsappSessions.id, sessionId));
}

/**
 * Publishes the nudge `{sessionId, action: "sync"}` on the owners' channel. Best effort: the
 * row already holds the command, so a failure is logged and the workers catch up from the row
 * (within a heartbeat or a claim scan). Returns whether it was published.
 */
export async function nudgeSessionOwner(
  deps: { redis: Redis; redisPrefix: string; logger: Logger },
  sessionId: string,
): Promise<boolean> {
  try {
    await deps.redis.publish(
      sessionCommandChannel(deps.redisPrefix),
      JSON.stringify({ sessionId, action: "sync" } satisfies SessionNudge),
    );
    return true;
  } catch (error) {
    deps.logger.warn(
      { err: error, sessionId },
      "session nudge not published; the workers follow the row",
    );
    return false;
  }
}
