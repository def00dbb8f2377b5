import { parseJob, QUEUES, webhookJobSchema } from "@wagate/contracts";
import { closeQueue, WEBHOOK_RETRY_SCHEDULE_MS } from "@wagate/core";
import type { Database } from "@wagate/db";
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { type AttemptContext, attemptDelivery } from "./deliver.js";
import { getWebhookMetrics } from "./metrics.js";

export interface WebhookDeliveryOptions {
  /** Deliveries in flight at once, so one slow receiver never holds up the others. Default 16. */
  concurrency: number;
  /** Time budget of one HTTP attempt (DNS, connect, answer). Default 10 000 ms. */
  timeoutMs: number;
  /** Delays between attempts (see `WEBHOOK_RETRY_SCHEDULE_MS`, ~27.7 h in total). */
  retryScheduleMs: readonly number[];
  /** ± share of each delay chosen at random, so retries of many deliveries spread out. Default 0.1. */
  jitterRatio: number;
  /** Largest receiver answer read (the body is ignored). Default 1 MiB. */
  maxResponseBytes: number;
  /** BullMQ lock of a job in flight; must exceed `timeoutMs`. Default 30 000 ms. */
  lockDurationMs: number;
}

export const DEFAULT_WEBHOOK_DELIVERY_OPTIONS: WebhookDeliveryOptions = {
  concurrency: 16,
  timeoutMs: 10_000,
  retryScheduleMs: WEBHOOK_RETRY_SCHEDULE_MS,
  jitterRatio: 0.1,
  maxResponseBytes: 1024 * 1024,
  lockDurationMs: 30_000,
};

export interface WebhookDeliveryDeps {
  db: Database;
  /** Shared connection (BullMQ duplicates it for its blocking reads); not closed here. */
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
  registry: Registry;
  /** `WEBHOOK_ALLOW_PRIVATE`: deliver to loopback/private addresses (development, tests). */
  allowPrivate: boolean;
  now?: () => Date;
  options?: Partial<WebhookDeliveryOptions>;
}

export interface WebhookDeliveryWorker {
  name: string;
  worker: Worker;
  /** Stops taking jobs and waits for the attempts in flight. */
  close(): Promise<void>;
}

/** Carries the chosen delay from the processor to BullMQ's backoff strategy. */
class RetryLater extends Error {
  constructor(public readonly delayMs: number) {
    super("webhook delivery attempt failed; retry scheduled");
    this.name = "RetryLater";
  }
}

/**
 * Consumes the `webhooks` queue: each job is one delivery; each run of the job is one HTTP
 * attempt. A failed attempt throws `RetryLater` and BullMQ re-runs the job after the delay
 * the schedule gives for that attempt (±jitter); the row in Postgres says what happened.
 */
export function startWebhookDeliveryWorker(deps: WebhookDeliveryDeps): WebhookDeliveryWorker {
  const options = { ...DEFAULT_WEBHOOK_DELIVERY_OPTIONS, ...deps.options };
  const logger = deps.logger.child({ component: "webhook-delivery" });
  const ctx: AttemptContext = {
    db: deps.db,
    logger,
    metrics: getWebhookMetrics(deps.registry),
    now: deps.now ?? (() => new Date()),
    allowPrivate: deps.allowPrivate,
    timeoutMs: options.timeoutMs,
    maxResponseBytes: options.maxResponseBytes,
    liveFeed: { redis: deps.redis, prefix: deps.redisPrefix },
  };
  const schedule = options.retryScheduleMs;

  const retryDelay = (previousAttempts: number): number | null => {
    const base = schedule[previousAttempts];
    if (base === undefined) return null;
    const jitter = base * options.jitterRatio * (Math.random() * 2 - 1);
    return Math.max(0, Math.round(base + jitter));
  };

  const processJob = async (job: Job) => {
    const { deliveryId } = parseJob(QUEUES.webhooks, webhookJobSchema, job.data);
    // `attemptsMade` counts this job's earlier failed runs; a manual retry is a new job with
    // `attempts: 1`, so it gets exactly one run.
    const lastRunOfJob = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await attemptDelivery(ctx, deliveryId, {
      retryDelayMs: lastRunOfJob ? null : retryDelay(job.attemptsMade),
    });
    if (outcome.kind === "retry") throw new RetryLater(outcome.delayMs);
  };

  const worker = new Worker(QUEUES.webhooks, processJob, {
    connection: deps.redis,
    prefix: deps.redisPrefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    settings: {
      backoffStrategy: (attemptsMade, _type, error) =>
        error instanceof RetryLater
          ? error.delayMs
          : // An unexpected error (database down...): the attempt was not recorded; try again
            // on the schedule's pace.
            (schedule[Math.max(0, attemptsMade - 1)] ?? 60_000),
    },
  });
  worker.on("error", (error) => logger.error({ err: error }, "webhook worker error"));
  worker.on("failed", (job, error) => {
    if (!(error instanceof RetryLater)) {
      logger.warn({ err: error, jobId: job?.id }, "webhook delivery job error");
    }
  });
  return {
    name: "webhook-delivery",
    worker,
    close: () => closeQueue(worker),
  };
}
