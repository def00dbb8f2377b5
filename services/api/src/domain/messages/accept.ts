import { MESSAGE_END_CODES, type MessageType } from "@wagate/contracts";
import { endUnsent, insertAcceptedMessage, refundQuota } from "@wagate/core";
import { type MessageMedia, type MessagePayload, messages, newId } from "@wagate/db";
import { and, eq } from "drizzle-orm";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { ApiError, conflict, validationFailed } from "../../lib/errors.js";
import { checkQuota } from "../../lib/quota-headers.js";
import { normalizePhone } from "../phone/normalize.js";
import { checkRecipient } from "../phone/policy.js";
import { requireSession, type SessionRow } from "../sessions/find.js";
import { DEFAULT_SESSION_NAME } from "../sessions/keys.js";
import { announceStatus } from "./announce.js";
import { enqueueSend } from "./enqueue.js";
import { IDEMPOTENCY_WINDOW_MS, requestFingerprint } from "./idempotency.js";
import { getAcceptMetrics } from "./metrics.js";
import { isGroupJid } from "./rich.js";

export type MessageRow = typeof messages.$inferSelect;

/** Sends further in the future than this are refused (422). */
export const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 3600 * 1000;
/** A `send_at` closer than this is sent now (status `queued`, not `scheduled`). */
const SCHEDULE_THRESHOLD_MS = 1000;

export interface SendRequest {
  to: string;
  session?: string | undefined;
  sendAt?: Date | undefined;
  replyTo?: string | undefined;
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

export interface AcceptedMessage {
  row: MessageRow;
  session: Pick<SessionRow, "name" | "phoneNumber">;
  /** RateLimit-* headers of the quota unit (absent on an idempotent replay). */
  quotaHeaders: Record<string, string>;
  /** True when an earlier request with the same Idempotency-Key is answered again. */
  replayed: boolean;
}

const fieldError = (path: string, message: string) =>
  validationFailed(`${path} ${message}`, { fields: [{ path, message }] });

/** `to` in E.164 and allowed by the phone prefix policy, or a 422 naming the field. */
export async function resolveRecipient(deps: AppDeps, to: string): Promise<string> {
  if (isGroupJid(to)) return to; // the prefix policy and E.164 apply to phones only
  const normalized = normalizePhone(to);
  if (!normalized.ok) throw fieldError("to", normalized.reason);
  const decision = await checkRecipient(deps.db, normalized.e164);
  if (!decision.allowed) {
    const message =
      decision.reason === "denied"
        ? `is refused by the phone prefix policy (${decision.rule?.prefix} is denied)`
        : "is not in an allowed prefix of the phone prefix policy";
    throw fieldError("to", message);
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
    throw conflict("this Idempotency-Key was already used with a different request body", {
      message_id: row.id,
    });
  }
  getAcceptMetrics(deps.registry).idempotentReplays.inc({ mode: row.mode });
  return row;
}

/**
 * Accepts an outbound message (docs/internals.md "Messages and the send pipeline"):
 * recipient → session → idempotency → quota unit → INSERT (`queued`, or `scheduled`) →
 * enqueue on the session's send queue. The session need not be `ready`: the message waits
 * in its queue until the session is. If the enqueue fails the row is marked `failed`
 * (`enqueue_failed`), its unit refunded, its idempotency key released, and 503 is thrown.
 */
export async function acceptMessage(
  deps: AppDeps,
  account: AccountPrincipal,
  request: SendRequest,
  idempotencyKey?: string,
): Promise<AcceptedMessage> {
  const now = deps.now();
  const metrics = getAcceptMetrics(deps.registry);
  const recipient = await resolveRecipient(deps, request.to);
  const sessionName = request.session ?? DEFAULT_SESSION_NAME;
  if (request.sendAt && request.sendAt.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS) {
    throw fieldError("send_at", "must be at most 30 days ahead");
  }
  // A session of another account (or mode) is simply not found: 404, as on every route.
  const session = await requireSession(deps.db, account, sessionName);
  const scheduled =
    !!request.sendAt && request.sendAt.getTime() - now.getTime() > SCHEDULE_THRESHOLD_MS;
  const fingerprint = requestFingerprint({
    mode: account.mode,
    to: recipient,
    session: sessionName,
    type: request.type,
    content: request.content,
    media: request.media,
    reply_to: request.replyTo ?? null,
    send_at: request.sendAt?.toISOString() ?? null,
    payload: request.payload ?? undefined,
  });

  if (idempotencyKey) {
    const existing = await findByIdempotencyKey(deps, account.userId, idempotencyKey);
    if (existing && now.getTime() - existing.createdAt.getTime() < IDEMPOTENCY_WINDOW_MS) {
      return {
        row: replayOrConflict(deps, existing, fingerprint),
        session,
        quotaHeaders: {},
        replayed: true,
      };
    }
    if (existing) {
      // Past the window: the key is free again.
      await deps.db
        .update(messages)
        .set({ idempotencyKey: null })
        .where(eq(messages.id, existing.id));
    }
  }

  const quota = await checkQuota({ deps, account });
  const refund = () =>
    refundQuota(deps.redis, deps.redisPrefix, {
      userId: account.userId,
      mode: account.mode,
      day: quota.day,
    });

  let row: MessageRow | null;
  try {
    row = await insertAcceptedMessage(deps.db, {
      id: newId("message", now.getTime()),
      userId: account.userId,
      sessionId: session.id,
      apiKeyId: account.keyId,
      mode: account.mode,
      direction: "outbound",
      recipient,
      type: request.type,
      content: request.content,
      sensitive: request.sensitive ?? false,
      media: request.media,
      payload: request.payload ?? null,
      recipientLid: request.recipientLid ?? null,
      replyTo: request.replyTo ?? null,
      status: scheduled ? "scheduled" : "queued",
      idempotencyKey: idempotencyKey ?? null,
      requestHash: idempotencyKey ? fingerprint : null,
      quotaDay: quota.day,
      scheduledAt: scheduled ? request.sendAt : null,
      queuedAt: scheduled ? null : now,
      createdAt: now,
      updatedAt: now,
    });
  } catch (error) {
    await refund();
    throw error;
  }
  if (!row) {
    // A concurrent request with the same key won the insert: answer with its message.
    await refund();
    const winner = idempotencyKey
      ? await findByIdempotencyKey(deps, account.userId, idempotencyKey)
      : null;
    if (!winner)
      throw new ApiError(
        "conflict",
        "a concurrent request with this Idempotency-Key is in progress",
      );
    return {
      row: replayOrConflict(deps, winner, fingerprint),
      session,
      quotaHeaders: {},
      replayed: true,
    };
  }

  try {
    await enqueueSend(deps, {
      sessionId: session.id,
      messageId: row.id,
      delayMs: scheduled ? request.sendAt!.getTime() - now.getTime() : 0,
    });
  } catch (error) {
    deps.logger.error({ err: error, messageId: row.id }, "send enqueue failed");
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
    throw new ApiError(
      "service_unavailable",
      "the message could not be queued; it was not sent, retry shortly",
      {
        headers: { "Retry-After": "5" },
        details: { message_id: row.id },
      },
    );
  }
  metrics.accepted.inc({ mode: account.mode, type: row.type, scheduled: String(scheduled) });
  return { row, session, quotaHeaders: quota.headers, replayed: false };
}
