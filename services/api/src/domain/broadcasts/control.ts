import { type BroadcastWire, type MessageStatus, QUEUES, sendQueueName } from "@wagate/contracts";
import {
  type BroadcastRow,
  broadcastCounts,
  cancelBroadcastMessages,
  emitEvent,
  releaseQuotaUnits,
  toBroadcastWire,
} from "@wagate/core";
import { broadcasts, messages, whatsappSessions } from "@wagate/db";
import { and, asc, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { conflict, notFound } from "../../lib/errors.js";
import { queueFor } from "../../lib/queues.js";
import { enqueueBroadcastJobs } from "./accept.js";

type Account = Pick<AccountPrincipal, "userId" | "mode">;

const owned = (account: Account, id: string) =>
  and(
    eq(broadcasts.id, id),
    eq(broadcasts.userId, account.userId),
    eq(broadcasts.mode, account.mode),
  );

async function sessionNames(deps: AppDeps, rows: BroadcastRow[]) {
  const ids = [...new Set(rows.map((r) => r.sessionId).filter((id) => id !== null))];
  if (ids.length === 0) return new Map<string, string>();
  const found = await deps.db
    .select({ id: whatsappSessions.id, name: whatsappSessions.name })
    .from(whatsappSessions)
    .where(inArray(whatsappSessions.id, ids));
  return new Map(found.map((s) => [s.id, s.name]));
}

export async function wiresOf(deps: AppDeps, rows: BroadcastRow[]): Promise<BroadcastWire[]> {
  const counts = await broadcastCounts(
    deps.db,
    rows.map((r) => r.id),
  );
  const names = await sessionNames(deps, rows);
  const now = deps.now();
  return rows.map((row) =>
    toBroadcastWire(
      row,
      counts.get(row.id)!,
      row.sessionId ? (names.get(row.sessionId) ?? null) : null,
      now,
    ),
  );
}

export async function requireBroadcast(deps: AppDeps, account: Account, id: string) {
  const [row] = await deps.db.select().from(broadcasts).where(owned(account, id));
  if (!row) throw notFound("broadcast");
  return row;
}

export async function getBroadcast(deps: AppDeps, account: Account, id: string) {
  const row = await requireBroadcast(deps, account, id);
  const [wire] = await wiresOf(deps, [row]);
  return { ...wire!, refused: row.refused ?? [] };
}

export async function listBroadcasts(
  deps: AppDeps,
  account: Account,
  input: { before?: string | undefined; limit: number },
) {
  const rows = await deps.db
    .select()
    .from(broadcasts)
    .where(
      and(
        eq(broadcasts.userId, account.userId),
        eq(broadcasts.mode, account.mode),
        input.before ? lt(broadcasts.id, input.before) : undefined,
      ),
    )
    .orderBy(desc(broadcasts.id))
    .limit(input.limit + 1);
  return wiresOf(deps, rows);
}

export async function listBroadcastMessages(
  deps: AppDeps,
  account: Account,
  id: string,
  input: {
    statuses?: MessageStatus[] | undefined;
    to?: string | undefined;
    before?: string | undefined;
    limit: number;
  },
) {
  await requireBroadcast(deps, account, id);
  return deps.db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.broadcastId, id),
        input.statuses ? inArray(messages.status, input.statuses) : undefined,
        input.to ? eq(messages.recipient, input.to) : undefined,
        input.before ? lt(messages.id, input.before) : undefined,
      ),
    )
    .orderBy(desc(messages.id))
    .limit(input.limit + 1);
}

/** Ids (and times) of a broadcast's unsent messages, oldest first. */
function unsentOf(deps: AppDeps, id: string) {
  return deps.db
    .select({ id: messages.id, scheduledAt: messages.scheduledAt })
    .from(messages)
    .where(and(eq(messages.broadcastId, id), inArray(messages.status, ["queued", "scheduled"])))
    .orderBy(asc(messages.id));
}

/** Removes send jobs by id, many at a time; a job being sent (locked) stays. */
async function removeJobs(deps: AppDeps, sessionId: string, ids: string[]) {
  const queue = queueFor(deps, sendQueueName(sessionId));
  for (let i = 0; i < ids.length; i += 500) {
    await Promise.all(ids.slice(i, i + 500).map((id) => queue.remove(id).catch(() => 0)));
  }
}

async function transition(
  deps: AppDeps,
  account: Account,
  id: string,
  from: BroadcastRow["status"][],
  set: Partial<BroadcastRow>,
): Promise<BroadcastRow | null> {
  const [row] = await deps.db
    .update(broadcasts)
    .set(set)
    .where(and(owned(account, id), inArray(broadcasts.status, from)) as SQL)
    .returning();
  return row ?? null;
}

const refuse = (row: BroadcastRow, action: string) =>
  conflict(`a ${row.status} broadcast cannot be ${action}`, { status: row.status });

/**
 * Pause: the broadcast's unsent messages stay `queued`/`scheduled` but lose their jobs (the
 * worker also holds any it takes while paused, and reconcile leaves them alone). Pausing a
 * paused broadcast answers it as is.
 */
export async function pauseBroadcast(deps: AppDeps, account: Account, id: string) {
  const current = await requireBroadcast(deps, account, id);
  if (current.status === "paused") return getBroadcast(deps, account, id);
  const row = await transition(deps, account, id, ["running"], {
    status: "paused",
    pausedAt: deps.now(),
  });
  if (!row) throw refuse(current, "paused");
  if (row.sessionId) {
    const ids = (await unsentOf(deps, id)).map((m) => m.id);
    await removeJobs(deps, row.sessionId, ids);
  }
  return getBroadcast(deps, account, id);
}

/** Resume: every unsent message gets its job again (spaced by the broadcast's rate). */
export async function resumeBroadcast(deps: AppDeps, account: Account, id: string) {
  const current = await requireBroadcast(deps, account, id);
  if (current.status === "running") return getBroadcast(deps, account, id);
  const row = await transition(deps, account, id, ["paused"], {
    status: "running",
    pausedAt: null,
  });
  if (!row) throw refuse(current, "resumed");
  if (row.sessionId) {
    const unsent = await unsentOf(deps, id);
    const now = deps.now().getTime();
    const scheduledLater = unsent.filter((m) => m.scheduledAt && m.scheduledAt.getTime() > now);
    const due = unsent.filter((m) => !(m.scheduledAt && m.scheduledAt.getTime() > now));
    try {
      await enqueueBroadcastJobs(
        deps,
        row.sessionId,
        due.map((m) => m.id),
        0,
        row.ratePerMinute,
      );
      const base = scheduledLater[0]?.scheduledAt?.getTime() ?? now;
      await enqueueBroadcastJobs(
        deps,
        row.sessionId,
        scheduledLater.map((m) => m.id),
        base - now,
        row.ratePerMinute,
      );
    } catch (error) {
      deps.logger.warn({ err: error, broadcastId: id }, "resume: reconcile adds the jobs left");
    }
  }
  return getBroadcast(deps, account, id);
}

/**
 * Cancel, in one transaction: the broadcast becomes `cancelled` with `announce_pending` set,
 * and every unsent message `cancelled` with its unit marked refunded (one UPDATE that
 * returns only the units per day); the units go back in one DECRBY per day after the commit,
 * so exactly once. `broadcast.completed` (status `cancelled`) is emitted here; the
 * `message.status` of each cancelled message, and the removal of their send jobs, are left to
 * the workers (`announceCancelled`, whatsapp-worker `broadcasts/announce.ts`), page by page
 * and durably, so a 100 000-recipient cancel answers at once. Messages being sent finish.
 */
export async function cancelBroadcast(deps: AppDeps, account: Account, id: string) {
  const current = await requireBroadcast(deps, account, id);
  const now = deps.now();
  const result = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(broadcasts)
      .set({ status: "cancelled", cancelledAt: now, announcePending: true, updatedAt: now })
      .where(and(owned(account, id), inArray(broadcasts.status, ["running", "paused"])) as SQL)
      .returning();
    if (!row) return null;
    const units = await cancelBroadcastMessages(tx, id, now);
    return { row, units };
  });
  if (!result) throw refuse(current, "cancelled");
  const { row, units } = result;
  for (const unit of units) {
    if (unit.quotaDay === null) continue;
    await releaseQuotaUnits(deps.redis, deps.redisPrefix, {
      userId: row.userId,
      mode: row.mode,
      day: unit.quotaDay,
      units: unit.units,
    }).catch((error) =>
      deps.logger.error({ err: error, units: unit.units }, "quota refund failed"),
    );
  }
  const wire = await getBroadcast(deps, account, id);
  const { refused: _refused, ...data } = wire;
  await emitEvent(deps.db, queueFor(deps, QUEUES.webhooks), {
    userId: row.userId,
    type: "broadcast.completed",
    data,
    now,
  }).catch((error) => deps.logger.warn({ err: error }, "broadcast.completed not queued"));
  return wire;
}

/** `{name, phoneNumber}` of a session for message wires. */
export async function sessionWireOf(deps: AppDeps, sessionId: string | null) {
  if (!sessionId) return null;
  const [row] = await deps.db
    .select({ name: whatsappSessions.name, phoneNumber: whatsappSessions.phoneNumber })
    .from(whatsappSessions)
    .where(eq(whatsappSessions.id, sessionId));
  return row ?? null;
}
