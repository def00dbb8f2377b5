import { MESSAGE_END_CODES, type MessageType } from "@wagate/contracts";
import { endUnsent, refundQuota } from "@wagate/core";
import { type MessageMedia, type MessagePayload, messages, newId } from "@wagate/db";
import { and, eq } from "drizzle-orm";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { checkQuota } from "../../lib/quota-headers.js";
import { refuseOptedOut } from "../consent/opt-outs.js";
import { ConflictError, InvalidFieldError, NotFoundError, UnavailableError } from "../errors.js";
import type { DeferredRateLimit } from "../limits/admission.js";
import { normalizePhone } from "../phone/normalize.js";
import { checkRecipient } from "../phone/policy.js";
import { invalidateSessions, resolveSession, type SessionRef } from "../sessions/cache.js";
import { DEFAULT_SESSION_NAME } from "../sessions/keys.js";
import { announceStatus } from "./announce.js";
import {
  BatchInsertError,
  type CommitOutcome,
  getAcceptBatcher,
  sqlState,
} from "./group-commit.js";
import { IDEMPOTENCY_WINDOW_MS, requestFingerprint } from "./idempotency.js";
import { getAcceptMetrics } from "./metrics.js";
import { isGroupJid } from "./rich.js";

export type MessageRow = typeof messages.$inferSelect;

/** Sends further in the future than this are refused (422). */
export const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 3600 * 1000;
/** A `send_at` closer than this is sent now (status `queued`, not `scheduled`). */
const SCHEDULE_THRESHOLD_MS = 1000;

/**
 * What is sent, already validated by its route: the message type and its content. A new
 * message type adds its route and its fields here (stored by `contentColumns`, part of the
 * idempotency fingerprint through `fingerprintContent`); the rest of the accept path is the
 * same for every type.
 */
export interface SendContent {
  type: MessageType;
  /** Text body, or the media caption. */
  content: string | null;
  media: MessageMedia | null;
  /** A secret body (an OTP): never shown back, cleared by the worker once sent. */
  sensitive?: boolean;
  /** Type-specific content (location, contacts, poll, mentions), validated by the route. */
  payload?: MessagePayload | null;
  /** The recipient's LID when the contacts table knows it (shown as `to_lid`). */
  recipientLid?: string | null;
}

export interface SendRequest extends SendContent {
  to: string;
  session?: string | undefined;
  sendAt?: Date | undefined;
  replyTo?: string | undefined;
}

export interface AcceptOptions {
  /** The request's `Idempotency-Key`, already checked for its format. */
  idempotencyKey?: string | undefined;
  /** The rate limit point `requireSender` left to take with the quota unit. */
  rateLimit?: DeferredRateLimit | undefined;
}

export interface AcceptedMessage {
  row: MessageRow;
  session: { name: string; phoneNumber: string | null };
  /** RateLimit-* headers of the quota unit (absent on an idempotent replay). */
  quotaHeaders: Record<string, string>;
  /** True when an earlier request with the same Idempotency-Key is answered again. */
  replayed: boolean;
}

/** The message's columns from its content. */
const contentColumns = (content: SendContent) => ({
  type: content.type,
  content: content.content,
  sensitive: content.sensitive ?? false,
  media: content.media,
  payload: content.payload ?? null,
  recipientLid: content.recipientLid ?? null,
});

/** The content's part of the idempotency fingerprint. */
const fingerprintContent = (content: SendContent) => ({
  type: content.type,
  content: content.content,
  media: content.media,
  // Absent for text and media, so their fingerprints are what they were before.
  payload: content.payload ?? undefined,
});

/** `to` in E.164 and allowed by the phone prefix policy, or an `InvalidFieldError` on `to`. */
export async function resolveRecipient(deps: AppDeps, to: string): Promise<string> {
  if (isGroupJid(to)) return to; // the prefix policy and E.164 apply to phones only
  const normalized = normalizePhone(to);
  if (!normalized.ok) throw new InvalidFieldError("to", normalized.reason);
  const decision = await checkRecipient(deps.db, normalized.e164);
  if (!decision.allowed) {
    throw new InvalidFieldError(
      "to",
      decision.reason === "denied"
        ? `is refused by the phone prefix policy (${decision.rule?.prefix} is denied)`
        : "is not in an allowed prefix of the phone prefix policy",
    );
  }
  return normalized.e164;
}

async function findByIdempotencyKey(deps: AppDeps, userId: string, key: string) {
  const [row] = await deps.db
    .select()
    .from(messages)
    .where(and(eq(messages.userId, userId), eq(messages.idempotencyKey, key)))
    .limit(1);
  return row ?? null;
}

function replayOrConflict(deps: AppDeps, row: MessageRow, fingerprint: string): MessageRow {
  if (row.requestHash !== fingerprint) {
    throw new ConflictError("this Idempotency-Key was already used with a different request body", {
      message_id: row.id,
    });
  }
  getAcceptMetrics(deps.registry).idempotentReplays.inc({ mode: row.mode });
  return row;
}

/** A send checked and ready to be written: who, where, when, and its fingerprint. */
interface PreparedSend {
  recipient: string;
  session: SessionRef;
  scheduled: boolean;
  delayMs: number;
  fingerprint: string;
}

/** Validates the request against the world: recipient, schedule, session (cached). */
async function prepareSend(
  deps: AppDeps,
  account: AccountPrincipal,
  request: SendRequest,
  now: Date,
): Promise<PreparedSend> {
  const recipient = await resolveRecipient(deps, request.to);
  const sessionName = request.session ?? DEFAULT_SESSION_NAME;
  const ahead = request.sendAt ? request.sendAt.getTime() - now.getTime() : 0;
  if (ahead > MAX_SCHEDULE_AHEAD_MS)
    throw new InvalidFieldError("send_at", "must be at most 30 days ahead");
  // A session of another account (or mode) is simply not found: 404, as on every route.
  const session = await resolveSession(deps, account, sessionName);
  const scheduled = ahead > SCHEDULE_THRESHOLD_MS;
  const fingerprint = requestFingerprint({
    mode: account.mode,
    to: recipient,
    session: sessionName,
    ...fingerprintContent(request),
    reply_to: request.replyTo ?? null,
    send_at: request.sendAt?.toISOString() ?? null,
  });
  return { recipient, session, scheduled, delayMs: scheduled ? ahead : 0, fingerprint };
}

/**
 * Accepts an outbound message (docs/internals.md "Messages and the send pipeline"):
 *
 * 1. prepare: recipient (E.164, prefix policy), schedule, session (cached), fingerprint;
 * 2. pre-insert checks: the place for refusals that need the prepared send (opt-outs...);
 *    throw a `DomainError`, nothing is consumed yet;
 * 3. idempotency: a key seen within 24 h answers with its message (or 409);
 * 4. admission: the rate limit point (if deferred) and one quota unit, one Redis round trip;
 * 5. group commit: the row INSERTed with its neighbours' and its send job queued
 *    (`group-commit.ts`); a unit is refunded exactly once if the row is not kept;
 * 6. an enqueue failure ends the row `failed` (`enqueue_failed`), refunds its unit, releases
 *    its idempotency key and answers 503.
 *
 * The session need not be `ready`: the message waits in its queue until it is. Throws
 * domain errors only (`domain/errors.ts`); `lib/error-handler.ts` maps them to HTTP.
 */
export async function acceptMessage(
  deps: AppDeps,
  account: AccountPrincipal,
  request: SendRequest,
  options: AcceptOptions = {},
): Promise<AcceptedMessage> {
  const now = deps.now();
  const { idempotencyKey } = options;
  const prepared = await prepareSend(deps, account, request, now);

  // 2. Pre-insert checks go here.
  await refuseOptedOut(deps, account.userId, prepared.recipient);

  if (idempotencyKey) {
    const existing = await findByIdempotencyKey(deps, account.userId, idempotencyKey);
    if (existing && now.getTime() - existing.createdAt.getTime() < IDEMPOTENCY_WINDOW_MS) {
      const row = replayOrConflict(deps, existing, prepared.fingerprint);
      return replay(deps, row, prepared.session);
    }
    if (existing) {
      // Past the window: the key is free again.
      await deps.db
        .update(messages)
        .set({ idempotencyKey: null })
        .where(eq(messages.id, existing.id));
    }
  }

  const quota = await checkQuota({ deps, account, rateLimit: options.rateLimit });
  const refund = () =>
    refundQuota(deps.redis, deps.redisPrefix, {
      userId: account.userId,
      mode: account.mode,
      day: quota.day,
    }).catch((error) => deps.logger.error({ err: error }, "quota refund failed"));

  const id = newId("message", now.getTime());
  let outcome: CommitOutcome;
  try {
    outcome = await getAcceptBatcher(deps).submit({
      values: {
        id,
        userId: account.userId,
        sessionId: prepared.session.id,
        apiKeyId: account.keyId,
        mode: account.mode,
        direction: "outbound",
        recipient: prepared.recipient,
        ...contentColumns(request),
        replyTo: request.replyTo ?? null,
        status: prepared.scheduled ? "scheduled" : "queued",
        idempotencyKey: idempotencyKey ?? null,
        requestHash: idempotencyKey ? prepared.fingerprint : null,
        quotaDay: quota.day,
        scheduledAt: prepared.scheduled ? request.sendAt : null,
        queuedAt: prepared.scheduled ? null : now,
        createdAt: now,
        updatedAt: now,
      },
      delayMs: prepared.delayMs,
    });
  } catch (error) {
    // Nothing was written for this request: its unit goes back, once.
    await refund();
    throw await insertFailure(deps, account, prepared.session, error);
  }

  if (outcome.kind === "skipped") {
    // A concurrent request with the same key won the insert: answer with its message.
    await refund();
    const winner = idempotencyKey
      ? await findByIdempotencyKey(deps, account.userId, idempotencyKey)
      : null;
    if (!winner) {
      throw new ConflictError("a concurrent request with this Idempotency-Key is in progress");
    }
    return replay(deps, replayOrConflict(deps, winner, prepared.fingerprint), prepared.session);
  }

  const { sessionPhoneNumber, ...row } = outcome.row;
  const session = { name: prepared.session.name, phoneNumber: sessionPhoneNumber };
  const metrics = getAcceptMetrics(deps.registry);
  if (outcome.kind === "enqueue_failed") {
    deps.logger.error({ err: outcome.error, messageId: row.id }, "send enqueue failed");
    metrics.enqueueFailures.inc();
    await endUnsent(deps, row, {
      to: "failed",
      from: ["queued", "scheduled"],
      error: {
        code: MESSAGE_END_CODES.enqueueFailed,
        message: "the message could not be queued for sending",
      },
      releaseIdempotencyKey: true,
      now,
      announce: (failed) => announceStatus(deps, failed, session),
    });
    throw new UnavailableError(
      "the message could not be queued; it was not sent, retry shortly",
      5,
      { message_id: row.id },
    );
  }
  metrics.accepted.inc({
    mode: account.mode,
    type: row.type,
    scheduled: String(prepared.scheduled),
  });
  return { row, session, quotaHeaders: quota.headers, replayed: false };
}

/** An earlier message answered again (the session's number read with it for the wire). */
async function replay(
  deps: AppDeps,
  row: MessageRow,
  session: SessionRef,
): Promise<AcceptedMessage> {
  return {
    row,
    session: { name: session.name, phoneNumber: await sessionPhone(deps, session.id) },
    quotaHeaders: {},
    replayed: true,
  };
}

async function sessionPhone(deps: AppDeps, sessionId: string): Promise<string | null> {
  const rows = await deps.sql<
    { phone_number: string | null }[]
  >`select phone_number from whatsapp_sessions where id = ${sessionId}`;
  return rows[0]?.phone_number ?? null;
}

/** What a failed insert means for this request (its unit is already refunded). */
async function insertFailure(
  deps: AppDeps,
  account: AccountPrincipal,
  session: SessionRef,
  error: unknown,
): Promise<unknown> {
  if (error instanceof BatchInsertError) {
    deps.logger.error(
      { err: error.cause, batchSize: error.batchSize },
      "accept batch insert failed",
    );
    return new UnavailableError("the message could not be stored; it was not sent, retry shortly");
  }
  if (sqlState(error) === "23503") {
    // Its session (or account) was deleted since it was cached: forget it here and elsewhere.
    await invalidateSessions(deps, { userId: account.userId });
    return new NotFoundError(
      `session "${session.name}" not found in ${account.mode} mode; create it with POST /api/v1/sessions/init`,
    );
  }
  return error;
}
