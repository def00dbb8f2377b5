import { driverForMode, sessionEventsChannel, sessionQrKey } from "@wagate/contracts";
import { desiredStateChange, nudgeSessionOwner } from "@wagate/core";
import { newId, whatsappSessions } from "@wagate/db";
import { and, count, eq, sql } from "drizzle-orm";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { ConflictError } from "../errors.js";
import { invalidateSessions } from "./cache.js";
import { subscribeChannel } from "./events.js";
import { findSession, requireSession, type SessionRow } from "./find.js";

/**
 * POST /sessions/init: creates the session row if missing (within `max_sessions`, counted
 * over both modes), sets `desired_state = running` (the one truth of session control) and
 * nudges the workers. A session already `ready` or showing a QR keeps its status; anything
 * else becomes `starting`.
 */
export async function initSession(
  deps: AppDeps,
  account: Pick<AccountPrincipal, "userId" | "mode" | "maxSessions">,
  name: string,
): Promise<SessionRow> {
  const row = await deps.db.transaction(async (tx) => {
    // Serialise inits of one account so two concurrent new names cannot both pass the limit.
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`sessions:${account.userId}`}, 0))`,
    );
    let existing: SessionRow | null | undefined = await findSession(tx, account, name);
    if (!existing) {
      const [{ value: owned } = { value: 0 }] = await tx
        .select({ value: count() })
        .from(whatsappSessions)
        .where(eq(whatsappSessions.userId, account.userId));
      if (owned >= account.maxSessions) {
        throw new ConflictError(
          `session limit reached: this account may have ${account.maxSessions} session(s) and has ${owned}`,
          { max_sessions: account.maxSessions, sessions: owned },
        );
      }
      [existing] = await tx
        .insert(whatsappSessions)
        .values({
          id: newId("session"),
          userId: account.userId,
          name,
          mode: account.mode,
          driver: driverForMode(account.mode),
        })
        .returning();
    }
    const [updated] = await tx
      .update(whatsappSessions)
      .set({
        ...desiredStateChange("running"),
        status: sql`case when ${whatsappSessions.status} in ('ready', 'qr') then ${whatsappSessions.status} else 'starting' end`,
        lastError: null,
      })
      .where(eq(whatsappSessions.id, existing!.id))
      .returning();
    return updated!;
  });
  // The accept path caches session ids: a session made again under an old name gets a new id.
  await invalidateSessions(deps, { userId: account.userId });
  await nudgeSessionOwner(deps, row.id);
  return row;
}

/** How long POST /sessions/disconnect waits for the worker to report the session stopped. */
export const DISCONNECT_WAIT_MS = 5000;

/**
 * Resolves once the worker publishes `status` = `stopped` for the session, or after
 * `timeoutMs`. Subscribed before it returns, so a stop published after that is not missed.
 */
async function waitForStopped(deps: AppDeps, sessionId: string, timeoutMs: number) {
  let settle: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const unsubscribe = await subscribeChannel(
    deps,
    sessionEventsChannel(deps.redisPrefix, sessionId),
    (message) => {
      try {
        const event = JSON.parse(message) as { type?: string; status?: string };
        if (event.type === "status" && event.status === "stopped") settle();
      } catch {
        // Not ours to judge: the events stream forwards what it cannot parse as is.
      }
    },
  );
  return {
    wait: async () => {
      const timer = setTimeout(settle, timeoutMs);
      await stopped;
      clearTimeout(timer);
      await unsubscribe();
    },
    cancel: unsubscribe,
  };
}

/**
 * POST /sessions/disconnect: sets `desired_state = logged_out` and nudges the workers; the
 * owner (or, with no owner, any worker) logs the device out, deletes the stored auth (a later
 * init pairs again with a new QR) and sets the session `stopped`. The pending logout lives in
 * the row, so neither a missed nudge nor a Redis loss drops it. Answers with the session as
 * it is after the call: it waits (at most `waitMs`) for the worker to report it stopped, so
 * the answer does not show the state from before the call.
 */
export async function disconnectSession(
  deps: AppDeps,
  account: AccountPrincipal,
  name: string,
  waitMs = DISCONNECT_WAIT_MS,
): Promise<SessionRow> {
  const session = await requireSession(deps.db, account, name);
  const stop = session.status === "stopped" ? null : await waitForStopped(deps, session.id, waitMs);
  try {
    await deps.db
      .update(whatsappSessions)
      .set(desiredStateChange("logged_out"))
      .where(and(eq(whatsappSessions.id, session.id), eq(whatsappSessions.userId, account.userId)));
    // The QR shown so far must not be scanned any more.
    await deps.redis.del(sessionQrKey(deps.redisPrefix, session.id));
    await nudgeSessionOwner(deps, session.id);
  } catch (error) {
    await stop?.cancel();
    throw error;
  }
  await stop?.wait();
  return (await findSession(deps.db, account, name)) ?? session;
}
