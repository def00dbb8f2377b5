import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  JOB_NAMES,
  parseJob,
  QUEUES,
  type WebhookEvent,
  type WebhookPayload,
  webhookInvalidationChannel,
  webhookJobSchema,
  webhookPayloadSchema,
} from "@wagate/contracts";
import { type Executor, newId, webhookDeliveries, webhooks } from "@wagate/db";
import { type JobsOptions, Queue } from "bullmq";
import { and, arrayContains, asc, eq, lt } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { publishInvalidation, subscribeInvalidations } from "./invalidation.js";
import { publishLiveEventVia } from "./live-events.js";

/**
 * Delays between delivery attempts: attempt 1 at once, then 5 s, 30 s, 2 min, 10 min,
 * 30 min, 1 h, 2 h, 4 h, 8 h, 12 h (11 attempts over about 27.7 h; the delivery worker
 * adds ±10 % jitter, so the last attempt is never before 24 h). After the last, `failed`.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000,
  43_200_000,
];

/** BullMQ attempts per delivery job: the first one plus one per scheduled retry. */
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_SCHEDULE_MS.length + 1;

/** Signatures older or newer than this are refused by `verifyWebhook` (replay window). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

const SECRET_PREFIX = "whsec_";

/**
 * Job options of a delivery job (set on every add, so a queue made elsewhere, e.g. the API's
 * queue provider, enqueues the same way): `jobId` = delivery id, `attempts`
 * (default `WEBHOOK_MAX_ATTEMPTS`; the retry route uses 1), the delay of each retry chosen by
 * the delivery worker's backoff strategy (type `webhook`).
 */
export function webhookJobOptions(
  deliveryId: string,
  attempts = WEBHOOK_MAX_ATTEMPTS,
): JobsOptions {
  return {
    jobId: deliveryId,
    attempts,
    backoff: { type: "webhook" },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * The `webhooks` BullMQ queue under the Redis prefix. Producers (API, worker, scheduler)
 * create it once at start-up and pass it to `emitEvent`; the connection stays the caller's.
 */
export function createWebhookQueue(redis: Redis, prefix: string): Queue {
  const queue = new Queue(QUEUES.webhooks, { connection: redis, prefix });
  // Failures surface through the rejected add; keep the emitter from crashing the process.
  queue.on("error", () => {});
  return queue;
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, "base64");
}

export interface SignWebhookInput {
  /** The `webhook-id` header (the delivery id). */
  id: string;
  /** The `webhook-timestamp` header: unix seconds (a Date is converted). */
  timestamp: number | Date;
  /** The exact body bytes sent. */
  body: string;
  /** `whsec_<base64>`; the HMAC key is the decoded part after the prefix. */
  secret: string;
}

const unixSeconds = (t: number | Date) => (t instanceof Date ? Math.floor(t.getTime() / 1000) : t);

/**
 * The `webhook-signature` header per Standard Webhooks:
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`.
 */
export function signWebhook({ id, timestamp, body, secret }: SignWebhookInput): string {
  const mac = createHmac("sha256", secretKey(secret))
    .update(`${id}.${unixSeconds(timestamp)}.${body}`)
    .digest("base64");
  return `v1,${mac}`;
}

export interface VerifyWebhookInput {
  /** Header values as received. */
  id: string;
  timestamp: string | number;
  /** The `webhook-signature` header; may list several space-separated `v1,<sig>`. */
  signature: string;
  body: string;
  secret: string;
  /** Default: the current time. */
  now?: Date;
  /** Default `WEBHOOK_TOLERANCE_SECONDS` (5 min). */
  toleranceSeconds?: number;
}

/**
 * What a receiver does with a delivery: true when one of the signatures matches (timing-safe)
 * and the timestamp is within the tolerance of now (older or newer is refused: replays).
 */
export function verifyWebhook(input: VerifyWebhookInput): boolean {
  const timestamp = Number(input.timestamp);
  if (!Number.isInteger(timestamp)) return false;
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - timestamp) > (input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS))
    return false;
  const expected = Buffer.from(
    signWebhook({ id: input.id, timestamp, body: input.body, secret: input.secret }).slice(3),
  );
  return input.signature.split(" ").some((candidate) => {
    const [version, sig] = candidate.split(",", 2);
    if (version !== "v1" || !sig) return false;
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Enqueues the delivery job for `deliveryId` (validated payload, `jobId = deliveryId`). */
export async function enqueueWebhookDelivery(
  queue: Queue,
  deliveryId: string,
  options: { attempts?: number } = {},
): Promise<void> {
  const data = parseJob(QUEUES.webhooks, webhookJobSchema, { deliveryId });
  await queue.add(JOB_NAMES.webhookDeliver, data, webhookJobOptions(deliveryId, options.attempts));
}

export type EmitEventInput = {
  userId: string;
  now?: Date;
} & (
  | {
      type: "message.status" | "message.received";
      data: Extract<WebhookPayload, { type: "message.status" }>["data"];
    }
  | { type: "session.status"; data: Extract<WebhookPayload, { type: "session.status" }>["data"] }
  | {
      type: "contact.opted_out" | "contact.opted_in";
      data: Extract<WebhookPayload, { type: "contact.opted_out" }>["data"];
    }
  | {
      type: "broadcast.progress" | "broadcast.completed";
      data: Extract<WebhookPayload, { type: "broadcast.progress" }>["data"];
    }
  | {
      type: "message.edited" | "message.revoked";
      data: Extract<WebhookPayload, { type: "message.status" }>["data"];
    }
  | {
      type: "message.reaction";
      data: Extract<WebhookPayload, { type: "message.reaction" }>["data"];
    }
  | { type: "poll.vote"; data: Extract<WebhookPayload, { type: "poll.vote" }>["data"] }
  | { type: "call.received"; data: Extract<WebhookPayload, { type: "call.received" }>["data"] }
  | {
      type: "group.participants";
      data: Extract<WebhookPayload, { type: "group.participants" }>["data"];
    }
  | { type: "group.update"; data: Extract<WebhookPayload, { type: "group.update" }>["data"] }
);

interface AccountWebhooks {
  hooks: Array<{ id: string; events: string[] }>;
  until: number;
}

/**
 * In-process cache of each account's active webhooks (id + subscribed events), so announcing
 * an event costs no database round trip when nothing changed (issue 11). Entries are dropped
 * through `webhookInvalidationChannel` as soon as the API creates, changes or deletes a
 * webhook (`invalidateWebhookSubscriptions`), and everything after a reconnect of the
 * subscriber; the TTL only bounds staleness if a message is ever lost.
 */
export class WebhookSubscriptions {
  private readonly accounts = new Map<string, AccountWebhooks>();
  private readonly ttlMs: number;
  private readonly maxAccounts: number;
  /** Bumped on every invalidation: a lookup that raced one does not store what it read. */
  private generation = 0;

  constructor(options: { ttlMs?: number; maxAccounts?: number } = {}) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxAccounts = options.maxAccounts ?? 10_000;
  }

  /** Ids of the account's active webhooks subscribed to `type` (a SELECT on a miss only). */
  async targets(db: Executor, userId: string, type: WebhookEvent): Promise<string[]> {
    const now = Date.now();
    let entry = this.accounts.get(userId);
    if (!entry || entry.until <= now) {
      const generation = this.generation;
      const hooks = await db
        .select({ id: webhooks.id, events: webhooks.events })
        .from(webhooks)
        .where(and(eq(webhooks.userId, userId), eq(webhooks.isActive, true)));
      entry = { hooks, until: now + this.ttlMs };
      if (generation === this.generation) {
        this.accounts.delete(userId);
        this.accounts.set(userId, entry);
        while (this.accounts.size > this.maxAccounts) {
          const oldest = this.accounts.keys().next().value;
          if (oldest === undefined) break;
          this.accounts.delete(oldest);
        }
      }
    }
    return entry.hooks.filter((hook) => hook.events.includes(type)).map((hook) => hook.id);
  }

  /** Drops the account's entry; with no account, every entry. */
  invalidate(userId?: string): void {
    this.generation++;
    if (userId === undefined) this.accounts.clear();
    else this.accounts.delete(userId);
  }
}

/**
 * Tells every process that caches webhook subscriptions that the account's webhooks changed
 * (call after the change is committed: create, update, delete, a 410 disabling one).
 */
export function invalidateWebhookSubscriptions(
  redis: Pick<Redis, "publish">,
  prefix: string,
  userId: string,
  logger: Pick<Logger, "error">,
): Promise<void> {
  return publishInvalidation(redis, webhookInvalidationChannel(prefix), { userId }, logger);
}

/** Keeps `cache` current from `webhookInvalidationChannel`; resolves to the stop function. */
export function startWebhookSubscriptionInvalidation(
  redis: Redis,
  prefix: string,
  cache: WebhookSubscriptions,
  logger: Pick<Logger, "warn">,
): Promise<() => Promise<void>> {
  return subscribeInvalidations(redis, webhookInvalidationChannel(prefix), {
    logger,
    onResubscribe: () => cache.invalidate(),
    onMessage: (message) => {
      const userId = (message as { userId?: unknown }).userId;
      cache.invalidate(typeof userId === "string" ? userId : undefined);
    },
  });
}

/**
 * Announces an event to the account's active webhooks subscribed to `type`: one
 * `webhook_deliveries` row each (`payload = {type, timestamp, data}`) and one job each on
 * the `webhooks` queue. Two statements (one with a `subscriptions` cache hit) and an enqueue,
 * no HTTP: the delivery worker posts.
 * Every event is also published on the live feed (`publishLiveEvent`, best effort).
 * Returns the delivery ids (empty when nobody listens). Throws on a payload that does not
 * match the contract or on a database/Redis error: callers on the send path catch and log,
 * they never fail a send because a webhook could not be queued.
 */
export async function emitEvent(
  db: Executor,
  queue: Queue,
  input: EmitEventInput,
  /** Where the subscribed webhooks come from: a cache (the worker), else a SELECT. */
  options: { subscriptions?: WebhookSubscriptions } = {},
): Promise<string[]> {
  const now = input.now ?? new Date();
  const type: WebhookEvent = input.type;
  // The admin event monitor sees every event, with or without webhooks listening.
  await publishLiveEventVia(queue, {
    type,
    timestamp: now.toISOString(),
    user_id: input.userId,
    data: input.data,
  });
  const targets = options.subscriptions
    ? (await options.subscriptions.targets(db, input.userId, type)).map((id) => ({ id }))
    : await db
        .select({ id: webhooks.id })
        .from(webhooks)
        .where(
          and(
            eq(webhooks.userId, input.userId),
            eq(webhooks.isActive, true),
            arrayContains(webhooks.events, [type]),
          ),
        );
  if (targets.length === 0) return [];
  const payload = webhookPayloadSchema.parse({
    type,
    timestamp: now.toISOString(),
    data: input.data,
  });
  const rows = targets.map((target) => ({
    id: newId("webhookDelivery", now.getTime()),
    webhookId: target.id,
    userId: input.userId,
    eventType: type,
    payload,
    status: "pending" as const,
    nextAttemptAt: now,
  }));
  try {
    await db.insert(webhookDeliveries).values(rows);
  } catch (error) {
    // A webhook deleted since it was cached (its invalidation not seen yet): read it afresh
    // on the retry every caller makes of a failed event.
    options.subscriptions?.invalidate(input.userId);
    throw error;
  }
  const jobs = rows.map((row) => ({
    name: JOB_NAMES.webhookDeliver,
    data: parseJob(QUEUES.webhooks, webhookJobSchema, { deliveryId: row.id }),
    opts: webhookJobOptions(row.id),
  }));
  await queue.addBulk(jobs);
  return rows.map((row) => row.id);
}

export interface RequeueWebhookDeliveriesOptions {
  now?: Date;
  /** A pending delivery this long past its `next_attempt_at` counts as lost. Default 10 min. */
  graceMs?: number;
  /** Most deliveries looked at per run. Default 500. */
  limit?: number;
}

/**
 * Repairs deliveries Redis lost: a `pending` row well past its `next_attempt_at` whose job is
 * gone (Redis flushed, enqueue failed after the insert) or finished without finishing the
 * row (a crash on the last attempt) is enqueued again under its id, with the attempts its
 * schedule has left. For the scheduler's reconcile job; returns how many were re-enqueued.
 */
export async function requeueStalledWebhookDeliveries(
  db: Executor,
  queue: Queue,
  options: RequeueWebhookDeliveriesOptions = {},
): Promise<number> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - (options.graceMs ?? 10 * 60_000));
  const stalled = await db
    .select({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts })
    .from(webhookDeliveries)
    .where(
      and(eq(webhookDeliveries.status, "pending"), lt(webhookDeliveries.nextAttemptAt, cutoff)),
    )
    .orderBy(asc(webhookDeliveries.nextAttemptAt))
    .limit(options.limit ?? 500);
  let requeued = 0;
  for (const delivery of stalled) {
    const job = await queue.getJob(delivery.id);
    const state = job ? await job.getState() : "missing";
    if (state !== "missing" && state !== "completed" && state !== "failed" && state !== "unknown") {
      continue; // waiting, delayed or active: it will run
    }
    if (job) await job.remove();
    const attemptsLeft = Math.max(1, WEBHOOK_MAX_ATTEMPTS - delivery.attempts);
    await enqueueWebhookDelivery(queue, delivery.id, { attempts: attemptsLeft });
    requeued++;
  }
  return requeued;
}
