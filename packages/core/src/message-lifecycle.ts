import {
  JOB_NAMES,
  type MessageStatus,
  type MessageWire,
  parseJob,
  sendJobOptions,
  sendJobSchema,
} from "@wagate/contracts";
import { type Executor, messages } from "@wagate/db";
import type { Queue } from "bullmq";
import { and, eq, inArray, isNull, lte, or, type SQL, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { transitionMessage } from "./message-status.js";
import { type MessageWireSession, toMessageWire } from "./message-wire.js";
import { refundQuota } from "./quota.js";
import { releaseQuotaUnits } from "./quota-bulk.js";

/**
 * The one message lifecycle (docs/internals.md "Messages and the send pipeline"). The API,
 * the worker and the scheduler move a message's status only through these verbs; a test
 * (packages/core/test/lifecycle-guard.test.ts) fails if anything else updates
 * `messages.status`. Each verb is one conditional UPDATE that returns the row when it won
 * and null when the message had already moved on, so every change is made, refunded and
 * announced exactly once however the callers race.
 */

export type MessageRow = typeof messages.$inferSelect;

/**
 * Accepts an outbound message: inserts its row, `queued` (or `scheduled`). Returns null when
 * a concurrent request with the same idempotency key inserted its row first.
 */
export async function insertAcceptedMessage(
  db: Executor,
  values: typeof messages.$inferInsert & { status: "queued" | "scheduled" },
): Promise<MessageRow | null> {
  const [row] = await db
    .insert(messages)
    .values(values)
    .onConflictDoNothing({
      target: [messages.userId, messages.idempotencyKey],
      where: sql`idempotency_key is not null`,
    })
    .returning();
  return row ?? null;
}

/** Queues the send of `messageId` on its session's send queue (validated payload, shared options). */
export async function enqueueSendJob(
  queue: Queue,
  input: { messageId: string; delayMs?: number; priority?: number },
): Promise<void> {
  const data = parseJob(queue.name, sendJobSchema, { messageId: input.messageId });
  await queue.add(
    JOB_NAMES.send,
    data,
    sendJobOptions(input.messageId, input.delayMs ?? 0, input.priority ?? 0),
  );
}

/**
 * Many send jobs in one `addBulk` per chunk (a broadcast): same payload and options as
 * `enqueueSendJob`. Throws on the first chunk Redis refuses; the rows stay `queued` and the
 * scheduler's reconcile gives them their jobs.
 */
export async function enqueueSendJobs(
  queue: Queue,
  jobs: Array<{ messageId: string; delayMs?: number; priority?: number }>,
  chunk = 1000,
): Promise<void> {
  for (let i = 0; i < jobs.length; i += chunk) {
    await queue.addBulk(
      jobs.slice(i, i + chunk).map((job) => ({
        name: JOB_NAMES.send,
        data: parseJob(queue.name, sendJobSchema, { messageId: job.messageId }),
        opts: sendJobOptions(job.messageId, job.delayMs ?? 0, job.priority ?? 0),
      })),
    );
  }
}

/** Writes a `message.status` event (webhook rows and jobs); throws when it could not. */
export type EmitMessageStatus = (input: {
  userId: string;
  type: "message.status";
  data: MessageWire;
  now: Date;
}) => Promise<unknown>;

/**
 * Announces a status change a lifecycle verb returned: emits `message.status` and returns
 * the wire object. An event that cannot be written is logged and never undoes or fails the
 * change, which is already committed.
 */
export async function announceMessageStatus(
  deps: { logger: Logger; emit: EmitMessageStatus; now: Date },
  row: MessageRow,
  session: MessageWireSession | null,
): Promise<MessageWire> {
  const data = toMessageWire(row, session);
  try {
    await deps.emit({ userId: row.userId, type: "message.status", data, now: deps.now });
  } catch (error) {
    deps.logger.warn({ err: error, messageId: row.id }, "message.status webhook not queued");
  }
  return data;
}

/** Moves a waiting message to `sending` under the sender's fencing token. */
export function claimMessage(
  db: Executor,
  messageId: string,
  input: { from: MessageStatus[]; token: number; attempts: number; now: Date },
): Promise<MessageRow | null> {
  return transitionMessage(db, messageId, "sending", {
    from: input.from,
    set: { sendToken: input.token, attempts: input.attempts },
    // A stale owner (older token) cannot take a row a newer owner already holds.
    where: or(isNull(messages.sendToken), lte(messages.sendToken, input.token)),
    now: input.now,
  });
}

/**
 * Records a `sending` message as `sent` with its WhatsApp id, guarded by the token that
 * claimed it; a sensitive body (an OTP) is forgotten in the same statement.
 */
export function recordMessageSent(
  db: Executor,
  row: MessageRow,
  input: { waMessageId: string; token: number | null; now: Date },
): Promise<MessageRow | null> {
  return transitionMessage(db, row.id, "sent", {
    from: ["sending"],
    set: {
      waMessageId: input.waMessageId,
      errorCode: null,
      errorMessage: null,
      ...forgetSecret(row),
    },
    where: input.token === null ? isNull(messages.sendToken) : eq(messages.sendToken, input.token),
    now: input.now,
  });
}

/** Applies a WhatsApp ack (`delivered`, `read`, or an error after the send) to a sent message. */
export function applyMessageAck(
  db: Executor,
  messageId: string,
  status: "delivered" | "read" | "failed",
  at: Date,
): Promise<MessageRow | null> {
  return status === "failed"
    ? transitionMessage(db, messageId, "failed", {
        from: ["sending", "sent"],
        set: {
          errorCode: "send_failed",
          errorMessage: "WhatsApp reported an error for this message",
        },
        now: at,
      })
    : transitionMessage(db, messageId, status, { now: at });
}

/** Puts back the attempt a try that WhatsApp refused for rate limiting did not use. */
export async function restoreAttempts(db: Executor, row: MessageRow): Promise<void> {
  await db.update(messages).set({ attempts: row.attempts }).where(eq(messages.id, row.id));
}

/** A sensitive body (an OTP) is kept only until WhatsApp has it or the send has failed. */
const forgetSecret = (row: MessageRow) => (row.sensitive ? { content: null } : {});

export interface EndUnsentDeps {
  db: Executor;
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
}

export interface EndUnsentInput {
  to: "failed" | "cancelled";
  /** The statuses it may end from. */
  from: MessageStatus[];
  /** `error_code` / `error_message` of a failure. */
  error?: { code: string; message: string };
  /** Clears the idempotency key too (a failed accept frees its key for a retry). */
  releaseIdempotencyKey?: boolean;
  /** Forgets a sensitive body too (the worker's failures, as once sent). */
  forgetSecret?: boolean;
  /** Extra guard (the sender's fencing token, the session still being gone). */
  where?: SQL | undefined;
  now: Date;
  /** Announces the change; called once, only when this call made it. */
  announce: (row: MessageRow) => Promise<unknown>;
}

/**
 * Ends a message that was not sent (`failed` or `cancelled`): one conditional UPDATE that
 * also stamps `quota_refunded_at` and only matches a row whose unit was not given back yet,
 * so of any number of racing callers (cancel, reconcile, a worker failure, a failed
 * enqueue) exactly one wins, refunds the quota unit and announces the change. Returns the
 * ended row, or null when another caller ended or moved it first.
 */
export async function endUnsent(
  deps: EndUnsentDeps,
  row: MessageRow,
  input: EndUnsentInput,
): Promise<MessageRow | null> {
  const counted = row.quotaDay !== null;
  const ended = await transitionMessage(deps.db, row.id, input.to, {
    from: input.from,
    set: {
      ...(input.error ? { errorCode: input.error.code, errorMessage: input.error.message } : {}),
      ...(counted ? { quotaRefundedAt: input.now } : {}),
      ...(input.releaseIdempotencyKey ? { idempotencyKey: null } : {}),
      ...(input.forgetSecret ? forgetSecret(row) : {}),
    },
    where: and(isNull(messages.quotaRefundedAt), input.where),
    now: input.now,
  });
  if (!ended) return null;
  if (ended.quotaDay !== null && counted) {
    await refundQuota(deps.redis, deps.redisPrefix, {
      userId: ended.userId,
      mode: ended.mode,
      day: ended.quotaDay,
    }).catch((error) =>
      deps.logger.error({ err: error, messageId: ended.id }, "quota refund failed"),
    );
  }
  await input.announce(ended);
  return ended;
}

/**
 * `endUnsent` for many messages at once (a broadcast cancelled, a recipient opted out): one
 * conditional UPDATE of every row matching `match` still in `from` whose unit was not given
 * back, which stamps `quota_refunded_at`; the units are returned per (account, mode, day) in
 * one call each, and `announce` gets the ended rows (once: only this call ended them).
 */
export async function endUnsentMany(
  deps: EndUnsentDeps,
  match: SQL,
  input: Omit<EndUnsentInput, "announce" | "where" | "forgetSecret"> & {
    announce: (rows: MessageRow[]) => Promise<unknown>;
  },
): Promise<MessageRow[]> {
  const stamp = input.to === "failed" ? { failedAt: input.now } : { cancelledAt: input.now };
  const ended = await deps.db
    .update(messages)
    .set({
      status: input.to,
      ...stamp,
      ...(input.error ? { errorCode: input.error.code, errorMessage: input.error.message } : {}),
      quotaRefundedAt: sql`case when ${messages.quotaDay} is null then null else ${input.now.toISOString()}::timestamptz end`,
      ...(input.releaseIdempotencyKey ? { idempotencyKey: null } : {}),
    })
    .where(
      and(
        match,
        inArray(messages.status, input.from),
        isNull(messages.quotaRefundedAt),
        eq(messages.direction, "outbound"),
      ),
    )
    .returning();
  const units = new Map<
    string,
    { userId: string; mode: MessageRow["mode"]; day: string; n: number }
  >();
  for (const row of ended) {
    if (row.quotaDay === null) continue;
    const key = `${row.userId}|${row.mode}|${row.quotaDay}`;
    const entry = units.get(key) ?? { userId: row.userId, mode: row.mode, day: row.quotaDay, n: 0 };
    entry.n += 1;
    units.set(key, entry);
  }
  for (const unit of units.values()) {
    await releaseQuotaUnits(deps.redis, deps.redisPrefix, { ...unit, units: unit.n }).catch(
      (error) => deps.logger.error({ err: error, units: unit.n }, "quota refund failed"),
    );
  }
  if (ended.length > 0) await input.announce(ended);
  return ended;
}
