import type { MediaStore, WebhookSubscriptions } from "@wagate/core";
import type { Database } from "@wagate/db";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { DriverFactory } from "./drivers/types.js";
import type { AckBatch } from "./events/ack-batch.js";
import type { LiveFeedPublisher } from "./events/emit.js";
import type { WorkerMetrics } from "./metrics.js";
import type { SendWrites } from "./send/coalesce.js";
import type { PacingPolicy } from "./send/pacing.js";

/** Tunables of one worker process (env values in main; short ones in tests). */
export interface WorkerOptions {
  /** Sessions this process owns at most. Default 50. */
  maxSessions: number;
  /** Session lease time. Default 15000 ms. */
  leaseTtlMs: number;
  /** Lease renewal period. Default 5000 ms. */
  heartbeatMs: number;
  /** Period of the scan for running sessions nobody owns. Default 5000 ms. */
  claimIntervalMs: number;
  /**
   * Spread the running sessions evenly over the live workers (see `SessionBalancer`).
   * Default true.
   */
  balanceSessions: boolean;
  /** Pacing of live (webjs) sessions before per-account overrides. */
  pacing: PacingPolicy;
  /** Pacing of test (simulator) sessions: NO_PACING under the fast profile. */
  simulatorPacing: PacingPolicy;
  /**
   * Jobs an unpaced session (e.g. the fast simulator) takes per batch: their messages are
   * claimed in one statement and recorded `sent` in one, still sent one by one in queue
   * order. Paced sessions always take one. Default 64.
   */
  sendBatchSize: number;
  /** Send attempts before `attempts_exhausted`. Default 8. */
  sendMaxAttempts: number;
  /** First retry delay; doubles per attempt, with ±25 % jitter, capped at 10 min. Default 2000. */
  retryBaseMs: number;
  /** Largest media payload, bytes. Default 16 MiB. */
  mediaMaxBytes: number;
  /** Allow media URLs on private addresses. Default false. */
  allowPrivateUrls: boolean;
  /** Largest inbound media downloaded and stored, bytes (`INBOUND_MEDIA_MAX_BYTES`). Default 16 MiB. */
  inboundMediaMaxBytes: number;
  /**
   * Download attempts of one inbound media before it is marked `failed`, and the delay before
   * the first retry (doubling each time). Default 4 / 2000 ms (about 14 s in all).
   */
  inboundMediaAttempts: number;
  inboundMediaRetryMs: number;
  /**
   * BullMQ lock of an in-flight send job and the stalled-job check period: a job of a crashed
   * worker goes back to the queue after about this long. Default 30000 / 15000 ms.
   */
  jobLockMs: number;
  stalledIntervalMs: number;
  /** How long a QR stays valid in Redis. Default 60000 ms. */
  qrTtlMs: number;
  /**
   * A failed or disconnected session is restarted after this long, then after twice as long
   * each time (at most `restartMaxDelayMs`), up to `restartMaxAttempts` restarts without
   * reaching `ready`; then it stays `failed`. Defaults 10000 ms, 300000 ms, 8.
   */
  reconnectDelayMs: number;
  restartMaxDelayMs: number;
  restartMaxAttempts: number;
  /**
   * A ready session's browser (webjs) is checked every `browserCheckMs` and recycled (auth
   * kept) when its process tree uses more than `browserMaxMemoryBytes` or is older than
   * `browserMaxAgeMs` (0: no limit). Defaults 30000 ms, 0, 0.
   */
  browserCheckMs: number;
  browserMaxMemoryBytes: number;
  browserMaxAgeMs: number;
  /** Least time between two `broadcast.progress` events of one broadcast. Default 3000 ms. */
  broadcastProgressMs: number;
}

export const DEFAULT_WORKER_OPTIONS: Omit<WorkerOptions, "pacing" | "simulatorPacing"> = {
  maxSessions: 50,
  leaseTtlMs: 15_000,
  heartbeatMs: 5_000,
  claimIntervalMs: 5_000,
  balanceSessions: true,
  sendBatchSize: 64,
  sendMaxAttempts: 8,
  retryBaseMs: 2_000,
  mediaMaxBytes: 16 * 1024 * 1024,
  allowPrivateUrls: false,
  inboundMediaMaxBytes: 16 * 1024 * 1024,
  inboundMediaAttempts: 4,
  inboundMediaRetryMs: 2_000,
  jobLockMs: 30_000,
  stalledIntervalMs: 15_000,
  qrTtlMs: 60_000,
  reconnectDelayMs: 10_000,
  restartMaxDelayMs: 300_000,
  restartMaxAttempts: 8,
  browserCheckMs: 30_000,
  browserMaxMemoryBytes: 0,
  browserMaxAgeMs: 0,
  broadcastProgressMs: 3_000,
};

/** What every part of the worker reads: dependencies plus resolved options. */
export interface WorkerContext {
  db: Database;
  /** Commands and keys; BullMQ workers open their own connections from it (duplicate). */
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
  now: () => Date;
  driverFactory: DriverFactory;
  webhookQueue: Queue;
  /** Accounts' webhook subscriptions, cached; dropped on change through pub/sub. */
  webhookSubscriptions: WebhookSubscriptions;
  /** Ack status updates of every session, one statement per short window. */
  ackBatch: AckBatch;
  /** Claims and `sent` records of every session's send batches, coalesced. */
  sendWrites: SendWrites;
  /** Live-feed messages of every event, one pipeline per event-loop turn. */
  liveFeed: LiveFeedPublisher;
  /** Where downloaded inbound media goes (`MEDIA_STORAGE`). */
  mediaStore: MediaStore;
  metrics: WorkerMetrics;
  options: WorkerOptions;
  workerId: string;
}
