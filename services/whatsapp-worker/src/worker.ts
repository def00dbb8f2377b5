import {
  closeQueue,
  createMediaStore,
  createWebhookQueue,
  type MediaStore,
  startWebhookSubscriptionInvalidation,
  WebhookSubscriptions,
} from "@wagate/core";
import type { Database } from "@wagate/db";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { startBroadcastProgress } from "./broadcasts/progress.js";
import { DEFAULT_WORKER_OPTIONS, type WorkerContext, type WorkerOptions } from "./context.js";
import { createDriverFactory } from "./drivers/factory.js";
import type { DriverFactory } from "./drivers/types.js";
import { AckBatch } from "./events/ack-batch.js";
import { LiveFeedPublisher } from "./events/emit.js";
import { createWorkerMetrics, type QueueSample } from "./metrics.js";
import { SendWrites } from "./send/coalesce.js";
import { DEFAULT_PACING } from "./send/pacing.js";
import { newWorkerId } from "./sessions/lease.js";
import { SessionManager } from "./sessions/manager.js";

export interface WorkerDeps {
  db: Database;
  /** Must have `maxRetriesPerRequest: null` (createRedis does); shared by BullMQ. */
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
  registry: Registry;
  now?: () => Date;
  /** Default: simulator for test sessions, webjs for live ones (`createDriverFactory`). */
  driverFactory?: DriverFactory;
  options?: Partial<WorkerOptions>;
  workerId?: string;
  /** Where inbound media is stored. Default: `createMediaStore(db)` (`MEDIA_STORAGE` env). */
  mediaStore?: MediaStore;
}

/** A background consumer main.ts runs beside the session work (e.g. webhook deliveries). */
export interface BackgroundWorker {
  name: string;
  close: () => Promise<void>;
}

export interface WhatsAppWorker {
  workerId: string;
  ctx: WorkerContext;
  manager: SessionManager;
  registry: Registry;
  /** Starts claiming sessions and following their desired state. */
  start(): Promise<void>;
  /** Graceful: in-flight sends finish, drivers close keeping their auth, leases are released. */
  stop(): Promise<void>;
  /** Imitates a killed process (tests): BullMQ workers force-closed, no lease released. */
  crash(): Promise<void>;
}

export function createWorker(deps: WorkerDeps): WhatsAppWorker {
  const workerId = deps.workerId ?? newWorkerId();
  const options: WorkerOptions = {
    ...DEFAULT_WORKER_OPTIONS,
    pacing: DEFAULT_PACING,
    simulatorPacing: DEFAULT_PACING,
    ...deps.options,
  };
  let manager: SessionManager | undefined;
  const metrics = createWorkerMetrics(deps.registry, {
    sessionStatuses: () => manager?.owned.map((r) => r.status) ?? [],
    sessionsOwned: () => manager?.owned.length ?? 0,
    sendQueues: async () => {
      const samples = await Promise.all((manager?.owned ?? []).map((r) => r.queueSample()));
      return samples.filter((s): s is QueueSample => s !== null);
    },
    browserMemory: async () => {
      const samples = await Promise.all(
        (manager?.owned ?? []).map(async (r) => ({
          sessionId: r.sessionId,
          bytes: await r.browserMemoryBytes(),
        })),
      );
      return samples.filter((s): s is { sessionId: string; bytes: number } => s.bytes !== null);
    },
  });
  const webhookQueue = createWebhookQueue(deps.redis, deps.redisPrefix);
  const logger = deps.logger.child({ workerId });
  const ctx: WorkerContext = {
    db: deps.db,
    redis: deps.redis,
    redisPrefix: deps.redisPrefix,
    logger,
    now: deps.now ?? (() => new Date()),
    driverFactory: deps.driverFactory ?? createDriverFactory({ db: deps.db }),
    webhookQueue,
    // BullMQ types its connection narrowly; every wagate queue runs over an ioredis client.
    liveFeed: new LiveFeedPublisher(
      async () => (await webhookQueue.client) as unknown as Pick<Redis, "pipeline">,
      logger,
    ),
    webhookSubscriptions: new WebhookSubscriptions(),
    ackBatch: new AckBatch(deps.db),
    sendWrites: new SendWrites(deps.db, deps.now ?? (() => new Date())),
    mediaStore: deps.mediaStore ?? createMediaStore(deps.db),
    metrics,
    options,
    workerId,
  };
  manager = new SessionManager(ctx);
  const sessions = manager;
  let progress: { stop(): Promise<void> } | undefined;
  let stopInvalidation: (() => Promise<void>) | undefined;
  const stopCaches = async () => {
    await stopInvalidation?.();
    stopInvalidation = undefined;
  };
  return {
    workerId,
    ctx,
    manager: sessions,
    registry: deps.registry,
    async start() {
      // Subscribed before any event is announced, so no webhook change goes unseen.
      stopInvalidation = await startWebhookSubscriptionInvalidation(
        ctx.redis,
        ctx.redisPrefix,
        ctx.webhookSubscriptions,
        ctx.logger,
      );
      await sessions.start();
      progress = startBroadcastProgress(ctx, () => sessions.owned, options.broadcastProgressMs);
    },
    async stop() {
      await progress?.stop();
      await sessions.shutdown();
      await closeQueue(ctx.webhookQueue);
      await stopCaches();
    },
    async crash() {
      await progress?.stop();
      await sessions.crash();
      await closeQueue(ctx.webhookQueue);
      await stopCaches();
    },
  };
}
