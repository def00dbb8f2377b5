import {
  BROADCAST_SEND_PRIORITY,
  type BroadcastWire,
  type MessageType,
  sendQueueName,
} from "@wagate/contracts";
import {
  enqueueSendJobs,
  quotaUnitsFromDb,
  releaseQuotaUnits,
  reserveQuotaUnits,
  toBroadcastWire,
} from "@wagate/core";
import { broadcasts, type MessageMedia, newId, optOuts } from "@wagate/db";
import { and, eq, sql } from "drizzle-orm";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { ApiError, conflict, validationFailed } from "../../lib/errors.js";
import { getApiMetrics } from "../../lib/metrics.js";
import { queueFor } from "../../lib/queues.js";
import { quotaHeaders } from "../../lib/quota-headers.js";
import { MAX_SCHEDULE_AHEAD_MS } from "../messages/accept.js";
import { IDEMPOTENCY_WINDOW_MS } from "../messages/idempotency.js";
import { normalizePhone } from "../phone/normalize.js";
import { decidePrefix, loadPrefixRules } from "../phone/policy.js";
import { requireSession } from "../sessions/find.js";
import { DEFAULT_SESSION_NAME } from "../sessions/keys.js";
import { broadcastMetrics } from "./metrics.js";
import { renderTemplate, templateVariables } from "./template.js";

/** Most recipients in one broadcast (JSON list or CSV rows). */
export const MAX_BROADCAST_RECIPIENTS = 100_000;
/** Refused rows kept on the broadcast (all are counted). */
const MAX_REFUSALS_KEPT = 10_000;
/** Rows per INSERT statement. */
const INSERT_CHUNK = 20_000;

export interface BroadcastRecipientInput {
  /** 1-based position in the list (or CSV data row). */
  row: number;
  to: string | null;
  variables: Record<string, string>;
  /** Set when the row could not even be read (CSV). */
  error?: string | undefined;
}

export interface BroadcastRequest {
  name: string;
  session?: string | undefined;
  type: MessageType;
  /** Text, or the caption of media; may hold `{{variable}}` placeholders. */
  template: string | null;
  /** Longest rendered text allowed (4096 text, 1024 caption). */
  maxLength: number;
  media: MessageMedia | null;
  recipients: BroadcastRecipientInput[];
  sendAt?: Date | undefined;
  /** Most sends per minute for this broadcast. */
  rate?: number | undefined;
  /** The request's `Idempotency-Key` (format checked) and the fingerprint of its body. */
  idempotency?: { key: string; fingerprint: string } | undefined;
}

export interface Refusal {
  row: number;
  to: string | null;
  reason: string;
}

export interface AcceptedBroadcast {
  replayed: false;
  wire: BroadcastWire;
  refused: Refusal[];
  quotaHeaders: Record<string, string>;
}

/** An earlier request with the same `Idempotency-Key` and body: answer with its broadcast. */
export interface ReplayedBroadcast {
  replayed: true;
  id: string;
}

/** Thrown inside the accept transaction when a concurrent request holds the same key. */
class KeyTaken extends Error {}

/**
 * The broadcast an `Idempotency-Key` already made within 24 h (null when none): the same
 * body answers with it, another body is 409 `conflict` (as on the message routes). A key
 * past the window is freed.
 */
async function earlierWithKey(
  deps: AppDeps,
  userId: string,
  idempotency: NonNullable<BroadcastRequest["idempotency"]>,
  now: Date,
): Promise<ReplayedBroadcast | null> {
  const [row] = await deps.db
    .select({
      id: broadcasts.id,
      requestHash: broadcasts.requestHash,
      createdAt: broadcasts.createdAt,
    })
    .from(broadcasts)
    .where(and(eq(broadcasts.userId, userId), eq(broadcasts.idempotencyKey, idempotency.key)))
    .limit(1);
  if (!row) return null;
  if (now.getTime() - row.createdAt.getTime() >= IDEMPOTENCY_WINDOW_MS) {
    await deps.db.update(broadcasts).set({ idempotencyKey: null }).where(eq(broadcasts.id, row.id));
    return null;
  }
  if (row.requestHash !== idempotency.fingerprint) {
    throw conflict("this Idempotency-Key was already used with a different request body", {
      broadcast_id: row.id,
    });
  }
  return { replayed: true, id: row.id };
}

interface Accepted {
  id: string;
  recipient: string;
  content: string | null;
}

/** Validates every row: number, prefix policy, duplicates, opt-outs, variables. */
async function screen(
  deps: AppDeps,
  userId: string,
  request: BroadcastRequest,
  now: Date,
): Promise<{ accepted: Accepted[]; refused: Refusal[] }> {
  const rules = await loadPrefixRules(deps.db);
  const optedOut = new Set(
    (
      await deps.db.select({ phone: optOuts.phone }).from(optOuts).where(eq(optOuts.userId, userId))
    ).map((r) => r.phone),
  );
  const names = templateVariables(request.template);
  const firstRow = new Map<string, number>();
  const accepted: Accepted[] = [];
  const refused: Refusal[] = [];
  const at = now.getTime();
  for (const input of request.recipients) {
    const refuse = (reason: string) => refused.push({ row: input.row, to: input.to, reason });
    if (input.error) {
      refuse(input.error);
      continue;
    }
    if (!input.to) {
      refuse("no number");
      continue;
    }
    const phone = normalizePhone(input.to);
    if (!phone.ok) {
      refuse(`number ${phone.reason}`);
      continue;
    }
    const decision = decidePrefix(rules, phone.e164);
    if (!decision.allowed) {
      refuse(
        decision.reason === "denied"
          ? `refused by the phone prefix policy (${decision.rule?.prefix} is denied)`
          : "not in an allowed prefix of the phone prefix policy",
      );
      continue;
    }
    const earlier = firstRow.get(phone.e164);
    if (earlier !== undefined) {
      refuse(`duplicate of row ${earlier}`);
      continue;
    }
    firstRow.set(phone.e164, input.row);
    if (optedOut.has(phone.e164)) {
      refuse("recipient_opted_out");
      continue;
    }
    let content = request.template;
    if (request.template !== null) {
      const rendered = renderTemplate(request.template, names, input.variables);
      if ("missing" in rendered) {
        refuse(`missing variable ${rendered.missing}`);
        continue;
      }
      if (rendered.text.length > request.maxLength) {
        refuse(`text is longer than ${request.maxLength} characters once rendered`);
        continue;
      }
      content = rendered.text;
    }
    accepted.push({ id: newId("message", at), recipient: phone.e164, content });
  }
  return { accepted, refused };
}

/**
 * Accepts a broadcast (docs/internals.md "Consent and broadcasts"): every row screened,
 * quota reserved for the accepted ones all or nothing (429 naming the missing units), then
 * the broadcast row and one message per accepted recipient in ONE transaction (multi-row
 * INSERT … SELECT from a JSON array, 20 000 rows a statement). Jobs are added after the
 * commit, in the background, at a lower priority than single sends and spaced by `rate`; if
 * Redis refuses them, the rows are `queued` and the scheduler's reconcile gives them jobs.
 */
export async function acceptBroadcast(
  deps: AppDeps,
  account: AccountPrincipal,
  request: BroadcastRequest,
): Promise<AcceptedBroadcast | ReplayedBroadcast> {
  const now = deps.now();
  const { idempotency } = request;
  if (idempotency) {
    const earlier = await earlierWithKey(deps, account.userId, idempotency, now);
    if (earlier) return earlier;
  }
  if (request.sendAt && request.sendAt.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS) {
    throw validationFailed("send_at must be at most 30 days ahead", {
      fields: [{ path: "send_at", message: "must be at most 30 days ahead" }],
    });
  }
  const session = await requireSession(deps.db, account, request.session ?? DEFAULT_SESSION_NAME);
  const { accepted, refused } = await screen(deps, account.userId, request, now);
  const metrics = broadcastMetrics(deps.registry);
  if (accepted.length === 0) {
    throw validationFailed(
      "no recipient of this broadcast can be sent to",
      { refused_count: refused.length, refused: refused.slice(0, 100) },
      422,
    );
  }
  const reservation = await reserveQuotaUnits(deps.redis, deps.redisPrefix, {
    userId: account.userId,
    mode: account.mode,
    limit: account.maxMessagesPerDay,
    units: accepted.length,
    now,
    unitsUsed: quotaUnitsFromDb(deps.db),
  });
  const headers = quotaHeaders(
    {
      allowed: reservation.allowed,
      limit: reservation.limit,
      remaining: reservation.remaining,
      resetAt: reservation.resetAt,
      day: reservation.day,
    },
    now,
  );
  if (!reservation.allowed) {
    // A concurrent twin may have taken the units this request would replay.
    const earlier = idempotency && (await earlierWithKey(deps, account.userId, idempotency, now));
    if (earlier) return earlier;
    getApiMetrics(deps.registry).quotaRejections.inc({ mode: account.mode });
    throw new ApiError(
      "quota_exceeded",
      `this broadcast needs ${accepted.length} messages but only ${reservation.remaining} are left today (${reservation.missing} missing); nothing was accepted`,
      {
        headers,
        details: {
          limit: reservation.limit,
          remaining: reservation.remaining,
          requested: accepted.length,
          missing: reservation.missing,
          reset_at: reservation.resetAt.toISOString(),
        },
      },
    );
  }

  const scheduled =
    request.sendAt && request.sendAt.getTime() - now.getTime() > 1000 ? request.sendAt : null;
  const broadcastId = newId("broadcast", now.getTime());
  let row: typeof broadcasts.$inferSelect;
  try {
    row = await deps.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(broadcasts)
        .values({
          id: broadcastId,
          userId: account.userId,
          sessionId: session.id,
          apiKeyId: account.keyId,
          mode: account.mode,
          name: request.name,
          status: "running",
          type: request.type,
          template: request.template,
          media: request.media,
          ratePerMinute: request.rate ?? null,
          totalRows: request.recipients.length,
          accepted: accepted.length,
          refusedCount: refused.length,
          refused: refused.slice(0, MAX_REFUSALS_KEPT),
          scheduledAt: scheduled,
          idempotencyKey: idempotency?.key ?? null,
          requestHash: idempotency?.fingerprint ?? null,
          createdAt: now,
          updatedAt: now,
        })
        // Waits for a concurrent insert of the same key to commit, then skips: that one won.
        .onConflictDoNothing()
        .returning();
      if (!inserted) throw new KeyTaken();
      const nowIso = now.toISOString();
      for (let i = 0; i < accepted.length; i += INSERT_CHUNK) {
        const chunk = JSON.stringify(
          accepted.slice(i, i + INSERT_CHUNK).map((a) => [a.id, a.recipient, a.content]),
        );
        await tx.execute(sql`
          insert into messages (id, user_id, session_id, api_key_id, mode, direction, recipient,
            type, content, media, status, quota_day, scheduled_at, queued_at, created_at,
            updated_at, broadcast_id)
          select r->>0, ${account.userId}, ${session.id}, ${account.keyId}, ${account.mode},
            'outbound', r->>1, ${request.type}, r->>2, ${request.media ? JSON.stringify(request.media) : null}::jsonb,
            ${scheduled ? "scheduled" : "queued"}, ${reservation.day}::date,
            ${scheduled ? scheduled.toISOString() : null}::timestamptz,
            ${scheduled ? null : nowIso}::timestamptz, ${nowIso}::timestamptz,
            ${nowIso}::timestamptz, ${broadcastId}
          from jsonb_array_elements(${chunk}::jsonb) as r`);
      }
      return inserted!;
    });
  } catch (error) {
    await releaseQuotaUnits(deps.redis, deps.redisPrefix, {
      userId: account.userId,
      mode: account.mode,
      day: reservation.day,
      units: accepted.length,
    }).catch((e) => deps.logger.error({ err: e }, "quota release failed"));
    if (error instanceof KeyTaken && idempotency) {
      const winner = await earlierWithKey(deps, account.userId, idempotency, now);
      if (winner) return winner;
      throw conflict("a concurrent request with this Idempotency-Key is in progress");
    }
    throw error;
  }
  metrics.recipients.inc({ result: "accepted" }, accepted.length);
  metrics.recipients.inc({ result: "refused" }, refused.length);

  const baseDelay = scheduled ? scheduled.getTime() - now.getTime() : 0;
  trackEnqueue(
    deps,
    enqueueBroadcastJobs(
      deps,
      session.id,
      accepted.map((a) => a.id),
      baseDelay,
      request.rate,
    ).catch((error) =>
      deps.logger.warn(
        { err: error, broadcastId },
        "broadcast jobs not all queued; the scheduler's reconcile adds the rest",
      ),
    ),
  );
  const counts = {
    scheduled: scheduled ? accepted.length : 0,
    queued: scheduled ? 0 : accepted.length,
    sending: 0,
    sent: 0,
    delivered: 0,
    read: 0,
    failed: 0,
    cancelled: 0,
  };
  return {
    replayed: false,
    wire: toBroadcastWire(row, counts, session.name, now),
    refused,
    quotaHeaders: headers,
  };
}

/**
 * Send jobs of a broadcast's messages, in order, at `BROADCAST_SEND_PRIORITY`; with a
 * `rate`, the n-th is delayed n·60 000/rate ms after `baseDelayMs`.
 */
export async function enqueueBroadcastJobs(
  deps: AppDeps,
  sessionId: string,
  messageIds: string[],
  baseDelayMs: number,
  rate?: number | null,
): Promise<void> {
  const spacing = rate ? 60_000 / rate : 0;
  await enqueueSendJobs(
    queueFor(deps, sendQueueName(sessionId)),
    messageIds.map((messageId, i) => ({
      messageId,
      delayMs: Math.max(0, Math.round(baseDelayMs + i * spacing)),
      priority: BROADCAST_SEND_PRIORITY,
    })),
  );
}

const pending = new WeakMap<AppDeps, Set<Promise<unknown>>>();

/** Background enqueues are tracked so tests (and shutdown) can wait for them. */
function trackEnqueue(deps: AppDeps, work: Promise<unknown>): void {
  const set = pending.get(deps) ?? new Set();
  pending.set(deps, set);
  set.add(work);
  void work.finally(() => set.delete(work));
}

/** Waits for this process's background broadcast enqueues. */
export async function flushBroadcastEnqueues(deps: AppDeps): Promise<void> {
  await Promise.all([...(pending.get(deps) ?? [])]);
}
