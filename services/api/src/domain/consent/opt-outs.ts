import { type OptOutSource, QUEUES } from "@wagate/contracts";
import {
  addOptOut,
  emitEvent,
  emitEvents,
  endMessagesToOptedOut,
  type MessageRow,
  type OptOutRow,
  optOutCounter,
  removeOptOut,
  toMessageWire,
  toOptOutWire,
} from "@wagate/core";
import { optOuts, whatsappSessions } from "@wagate/db";
import { and, desc, eq, inArray, lt } from "drizzle-orm";
import type { AppDeps } from "../../lib/context.js";
import { ApiError } from "../../lib/errors.js";
import { queueFor } from "../../lib/queues.js";
import { DomainError } from "../errors.js";
import { getOptOutCache, invalidateOptOuts } from "../messages/opt-out-cache.js";

/**
 * The account's opt-out list through the API (docs/internals.md "Consent and broadcasts").
 * Adding a number fails the account's queued and scheduled messages to it
 * (`recipient_opted_out`, units refunded) and emits `contact.opted_out`; removing it emits
 * `contact.opted_in`.
 */

/**
 * 422 `recipient_opted_out` when the account's list holds `phone`; called before quota.
 * Reads this replica's opt-out cache (no query per send; `messages/opt-out-cache.ts`).
 */
export async function refuseOptedOut(deps: AppDeps, userId: string, phone: string) {
  if (await getOptOutCache(deps).has(deps, userId, phone)) {
    throw new DomainError(
      "recipient_opted_out",
      "the recipient opted out of messages from this account; nothing was sent or counted",
      { to: phone },
    );
  }
}

/** Announces `message.status` for messages ended in bulk (one webhook query per call). */
export async function announceEndedMessages(deps: AppDeps, rows: MessageRow[]) {
  if (rows.length === 0) return;
  const sessionIds = [...new Set(rows.map((r) => r.sessionId).filter((id) => id !== null))];
  const sessions = sessionIds.length
    ? await deps.db
        .select({
          id: whatsappSessions.id,
          name: whatsappSessions.name,
          phoneNumber: whatsappSessions.phoneNumber,
        })
        .from(whatsappSessions)
        .where(inArray(whatsappSessions.id, sessionIds))
    : [];
  const byId = new Map(sessions.map((s) => [s.id, s]));
  const byUser = new Map<string, unknown[]>();
  for (const row of rows) {
    const list = byUser.get(row.userId) ?? [];
    list.push(toMessageWire(row, row.sessionId ? (byId.get(row.sessionId) ?? null) : null));
    byUser.set(row.userId, list);
  }
  for (const [userId, data] of byUser) {
    try {
      await emitEvents(deps.db, queueFor(deps, QUEUES.webhooks), {
        userId,
        type: "message.status",
        data,
        now: deps.now(),
      });
    } catch (error) {
      deps.logger.warn({ err: error, messages: data.length }, "message.status webhooks not queued");
    }
  }
}

export async function createOptOut(
  deps: AppDeps,
  userId: string,
  input: { phone: string; reason?: string | null; source: OptOutSource },
): Promise<{ row: OptOutRow; created: boolean; ended: number }> {
  const now = deps.now();
  const result = await addOptOut(deps.db, { userId, ...input, now });
  await invalidateOptOuts(deps, userId);
  // Also when it was already listed: a message accepted in between is ended too.
  const ended = await endMessagesToOptedOut(deps, {
    userId,
    phone: input.phone,
    now,
    announce: (rows) => announceEndedMessages(deps, rows),
  });
  if (result.created) {
    optOutCounter(deps.registry).inc({ source: input.source });
    await emitEvent(deps.db, queueFor(deps, QUEUES.webhooks), {
      userId,
      type: "contact.opted_out",
      data: toOptOutWire(result.row, null),
      now,
    }).catch((error) => deps.logger.warn({ err: error }, "contact.opted_out not queued"));
  }
  return { ...result, ended: ended.length };
}

export async function deleteOptOut(
  deps: AppDeps,
  userId: string,
  phone: string,
  source: OptOutSource,
): Promise<void> {
  const removed = await removeOptOut(deps.db, { userId, phone });
  if (!removed) throw new ApiError("not_found", "this number is not on the opt-out list");
  await invalidateOptOuts(deps, userId);
  await emitEvent(deps.db, queueFor(deps, QUEUES.webhooks), {
    userId,
    type: "contact.opted_in",
    data: { ...toOptOutWire(removed, null, source), created_at: deps.now().toISOString() },
    now: deps.now(),
  }).catch((error) => deps.logger.warn({ err: error }, "contact.opted_in not queued"));
}

export async function listOptOuts(
  deps: AppDeps,
  userId: string,
  input: { phone?: string | undefined; before?: string | undefined; limit: number },
) {
  const rows = await deps.db
    .select({ row: optOuts, sessionName: whatsappSessions.name })
    .from(optOuts)
    .leftJoin(whatsappSessions, eq(whatsappSessions.id, optOuts.sessionId))
    .where(
      and(
        eq(optOuts.userId, userId),
        input.phone ? eq(optOuts.phone, input.phone) : undefined,
        input.before ? lt(optOuts.id, input.before) : undefined,
      ),
    )
    .orderBy(desc(optOuts.id))
    .limit(input.limit + 1);
  return rows.map(({ row, sessionName }) => ({ id: row.id, ...toOptOutWire(row, sessionName) }));
}
