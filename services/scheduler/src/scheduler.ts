import { performance } from "node:perf_hooks";
import {
  type MaintenanceJob,
  maintenanceJobSchema,
  parseJob,
  QUEUES,
  sendQueueName,
} from "@wagate/contracts";
import { closeQueue, createWebhookQueue } from "@wagate/core";
import type { Database } from "@wagate/db";
import { type Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type postgres from "postgres";
import { Registry } from "prom-client";
import type { JobContext, JobRunOptions, JobSummary, ScheduleSpec } from "./context.js";
import type { SchedulerSettings } from "./env.js";
import { getJob, JOBS } from "./jobs/index.js";
import { withJobLock } from "./lock.js";
import { createSchedulerMetrics, registerMaintenanceQueueGauge } from "./metrics.js";
import { type RedisLossWatch, watchRedisLoss } from "./redis-watch.js";

export interface SchedulerDeps {
  db: Database;
  sql: postgres.Sql;
  /** Shared connection (needs `maxRetriesPerRequest: null`, as `createRedis` gives). */
  redis: Redis;
  /** Prefix of every key and queue. Default `wagate`. */
  redisPrefix: string;
  logger: Logger;
  settings: SchedulerSettings;
  /** Where the job metrics go. Default: a fresh registry. */
  registry?: Registry;
  /** Default `() => new Date()`. */
  now?: () => Date;
}

export type RunResult =
  | { result: "success"; summary: JobSummary; durationSeconds: number }
  | { result: "skipped"; reason: string }
  | { result: "failure"; error: Error };

export interface Scheduler {
  /** The `maintenance` queue (producer side). */
  queue: Queue;
  ctx: JobContext;
  /** The registry the job and queue metrics are on (`deps.registry` or a fresh one). */
  registry: Registry;
  /** Upserts every job scheduler (idempotent) and removes ones no longer declared. */
  declareSchedules(): Promise<ScheduleSpec[]>;
  /**
   * Declares the schedules and starts the worker that runs maintenance jobs, and (with the
   * worker) the watch that notices Redis losing its data: it declares the schedules again and
   * runs reconcile-messages in recovery mode at once (`recoverFromRedisLoss`).
   */
  start(options?: { worker?: boolean }): Promise<void>;
  /**
   * What the watch does once per loss: reconcile-messages in recovery mode now and again
   * after `RECOVERY_PASSES_MS` (rows caught mid-send need their sender to have given up).
   */
  recoverFromRedisLoss(): Promise<void>;
  /** Runs one job now, under its lock; never throws (the result says what happened). */
  runJob(name: string, options?: Partial<JobRunOptions>): Promise<RunResult>;
  /** Stops taking jobs, waits for the running ones, closes queues (not the connections). */
  stop(): Promise<void>;
}

/** Lock TTL per job: renewed while a run lasts, so it only matters when the holder dies. */
const LOCK_TTL_MS = 60_000;

/**
 * When the recovery passes of reconcile-messages run after a Redis loss is noticed: at once
 * (queued and scheduled rows), then twice more, so `sending` rows whose sender stopped on
 * losing its lease are given back once RECOVERY_SENDING_GRACE_SECONDS have passed.
 */
export const RECOVERY_PASSES_MS = [0, 5_000, 15_000];

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const registry = deps.registry ?? new Registry();
  const metrics = createSchedulerMetrics(registry);
  const queueOptions = { connection: deps.redis, prefix: deps.redisPrefix };
  const queue = new Queue(QUEUES.maintenance, queueOptions);
  queue.on("error", (err) => deps.logger.error({ err }, "maintenance queue error"));
  registerMaintenanceQueueGauge(registry, () =>
    queue.getJobCounts("waiting", "active", "delayed", "failed", "completed"),
  );
  const sendQueues = new Map<string, Queue>();
  let webhookQueue: Queue | undefined;
  const ctx: JobContext = {
    db: deps.db,
    sql: deps.sql,
    redis: deps.redis,
    redisPrefix: deps.redisPrefix,
    logger: deps.logger,
    now: deps.now ?? (() => new Date()),
    settings: deps.settings,
    metrics,
    sendQueue: (sessionId) => {
      let q = sendQueues.get(sessionId);
      if (!q) {
        q = new Queue(sendQueueName(sessionId), queueOptions);
        q.on("error", () => {});
        sendQueues.set(sessionId, q);
      }
      return q;
    },
    webhookQueue: () => {
      webhookQueue ??= createWebhookQueue(deps.redis, deps.redisPrefix);
      return webhookQueue;
    },
  };
  let worker: Worker | undefined;
  let watch: RedisLossWatch | undefined;
  const recoveryTimers = new Set<NodeJS.Timeout>();

  const runJob = async (name: string, options: Partial<JobRunOptions> = {}): Promise<RunResult> => {
    const job = getJob(name);
    if (!job) return { result: "failure", error: new Error(`unknown job: ${name}`) };
    const log = deps.logger.child({ job: name, trigger: options.trigger ?? "manual" });
    const started = performance.now();
    try {
      const outcome = await withJobLock(
        deps.redis,
        deps.redisPrefix,
        name,
        { ttlMs: LOCK_TTL_MS, waitMs: deps.settings.SCHEDULER_LOCK_WAIT_MS },
        () => job.run(ctx, { trigger: options.trigger ?? "manual", days: options.days }),
      );
      if (!outcome.acquired) {
        metrics.jobRuns.inc({ job: name, result: "skipped" });
        log.warn("another run of this job holds its lock; skipped");
        return { result: "skipped", reason: "another run of this job is in progress" };
      }
      const durationSeconds = (performance.now() - started) / 1000;
      metrics.jobRuns.inc({ job: name, result: "success" });
      metrics.jobDuration.observe({ job: name }, durationSeconds);
      log.info({ summary: outcome.value, durationSeconds }, "job finished");
      return { result: "success", summary: outcome.value, durationSeconds };
    } catch (error) {
      metrics.jobRuns.inc({ job: name, result: "failure" });
      metrics.jobDuration.observe({ job: name }, (performance.now() - started) / 1000);
      log.error({ err: error }, "job failed");
      return { result: "failure", error: error as Error };
    }
  };

  const declareSchedules = async () => {
    const specs = Object.values(JOBS).flatMap((job) =>
      job.schedules(deps.settings).map((spec) => ({ ...spec, name: job.name })),
    );
    for (const spec of specs) {
      const data: MaintenanceJob = { trigger: "schedule", ...spec.data };
      await queue.upsertJobScheduler(
        spec.id,
        { pattern: spec.pattern, tz: "UTC" },
        {
          name: spec.name,
          data,
          opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } },
        },
      );
    }
    // A schedule turned `off` (or a job renamed) must stop firing.
    const declared = new Set(specs.map((s) => s.id));
    for (const existing of await queue.getJobSchedulers(0, -1)) {
      if (existing.key && !declared.has(existing.key)) await queue.removeJobScheduler(existing.key);
    }
    return specs;
  };

  const processJob = async (job: Job) => {
    const data = parseJob(QUEUES.maintenance, maintenanceJobSchema, job.data);
    const outcome = await runJob(job.name, { trigger: data.trigger, days: data.days });
    // A failure fails the BullMQ job too, so it shows in the queue's failed set.
    if (outcome.result === "failure") throw outcome.error;
    return outcome.result === "success" ? outcome.summary : { skipped: outcome.reason };
  };

  const recoveryRuns = new Set<Promise<RunResult>>();
  /** One recovery run; `stop()` waits for the ones in progress before closing the queues. */
  const recoveryPass = () => {
    const run = runJob("reconcile-messages", { trigger: "recovery" }).finally(() =>
      recoveryRuns.delete(run),
    );
    recoveryRuns.add(run);
    return run;
  };

  const recoverFromRedisLoss = async () => {
    metrics.redisDataLosses.inc();
    deps.logger.warn("Redis lost its data: re-enqueueing every accepted message now");
    for (const delay of RECOVERY_PASSES_MS.slice(1)) {
      const timer = setTimeout(() => {
        recoveryTimers.delete(timer);
        void recoveryPass();
      }, delay);
      timer.unref();
      recoveryTimers.add(timer);
    }
    await recoveryPass();
  };

  return {
    queue,
    ctx,
    registry,
    declareSchedules,
    runJob,
    recoverFromRedisLoss,
    async start(options = {}) {
      await declareSchedules();
      if (options.worker === false || worker) return;
      worker = new Worker(QUEUES.maintenance, processJob, {
        ...queueOptions,
        concurrency: deps.settings.SCHEDULER_CONCURRENCY,
      });
      worker.on("error", (err) => deps.logger.error({ err }, "maintenance worker error"));
      await worker.waitUntilReady();
      watch = watchRedisLoss({
        redis: deps.redis,
        prefix: deps.redisPrefix,
        logger: deps.logger,
        intervalMs: deps.settings.SCHEDULER_REDIS_CHECK_MS,
        restore: async () => {
          await declareSchedules();
        },
        recover: recoverFromRedisLoss,
      });
      // A first start on an empty Redis (or one that lost its data while no scheduler ran)
      // finds no sentinel either: recovering then is cheap and covers the second case.
      await watch.check();
    },
    async stop() {
      await watch?.stop();
      watch = undefined;
      for (const timer of recoveryTimers) clearTimeout(timer);
      recoveryTimers.clear();
      await Promise.allSettled([...recoveryRuns]);
      await closeQueue(worker);
      await Promise.allSettled([
        closeQueue(queue),
        closeQueue(webhookQueue),
        ...[...sendQueues.values()].map((q) => closeQueue(q)),
      ]);
      webhookQueue = undefined;
      sendQueues.clear();
    },
  };
}
