import {
  closeServer,
  createLogger,
  createMediaStore,
  createMetricsRegistry,
  createOpsRoutes,
  createRedis,
  listen,
  onShutdown,
  pingRedis,
  runMain,
} from "@wagate/core";
import { createDb, pingDb } from "@wagate/db";
import { createDriverFactory } from "./drivers/factory.js";
import { parseWorkerEnv } from "./env.js";
import { NO_PACING } from "./send/pacing.js";
import { startWebhookDeliveryWorker } from "./webhooks/delivery-worker.js";
import { type BackgroundWorker, createWorker } from "./worker.js";

await runMain("worker", async () => {
  const env = parseWorkerEnv();
  const logger = createLogger("worker", env.LOG_LEVEL);
  const {
    db,
    sql,
    close: closeDb,
  } = createDb(env.DATABASE_URL, { applicationName: "wagate-worker" });
  const redis = createRedis(env.REDIS_URL, {}, logger);
  const registry = createMetricsRegistry("worker");
  const pacing = {
    perMinute: env.PACING_PER_MINUTE,
    burst: env.PACING_BURST,
    minGapMs: env.PACING_MIN_GAP_MS,
    jitterMs: env.PACING_JITTER_MS,
    rateLimitPauseMs: env.PACING_RATE_LIMIT_PAUSE_MS,
    typingMsPerChar: env.PACING_TYPING_MS_PER_CHAR,
    typingMaxMs: env.PACING_TYPING_MAX_MS,
  };
  const worker = createWorker({
    db,
    redis,
    redisPrefix: env.REDIS_PREFIX,
    logger,
    registry,
    mediaStore: createMediaStore(db, env),
    driverFactory: createDriverFactory({
      db,
      simProfile: env.SIM_PROFILE,
      simLinkDelayMs: env.SIM_LINK_DELAY_MS,
      executablePath: env.PUPPETEER_EXECUTABLE_PATH,
      dataPath: env.WWEBJS_DATA_PATH,
    }),
    options: {
      maxSessions: env.WORKER_MAX_SESSIONS,
      leaseTtlMs: env.LEASE_TTL_MS,
      heartbeatMs: env.HEARTBEAT_MS,
      claimIntervalMs: env.CLAIM_INTERVAL_MS,
      balanceSessions: env.WORKER_BALANCE_SESSIONS,
      pacing,
      simulatorPacing: env.SIM_PROFILE === "fast" ? NO_PACING : pacing,
      sendBatchSize: env.SEND_BATCH_SIZE,
      sendMaxAttempts: env.SEND_MAX_ATTEMPTS,
      mediaMaxBytes: env.MEDIA_MAX_BYTES,
      inboundMediaMaxBytes: env.INBOUND_MEDIA_MAX_BYTES,
      allowPrivateUrls: env.WEBHOOK_ALLOW_PRIVATE,
      reconnectDelayMs: env.SESSION_RESTART_DELAY_MS,
      restartMaxDelayMs: env.SESSION_RESTART_MAX_DELAY_MS,
      restartMaxAttempts: env.SESSION_RESTART_MAX_ATTEMPTS,
      browserCheckMs: env.SESSION_BROWSER_CHECK_MS,
      browserMaxMemoryBytes: env.SESSION_BROWSER_MAX_MEMORY_MB * 1024 * 1024,
      browserMaxAgeMs: env.SESSION_BROWSER_MAX_AGE_MS,
    },
  });
  await worker.start();

  // --- Background workers: other consumers this process runs (e.g. webhook deliveries). ---
  // Each entry is closed on shutdown after the session work stops.
  const background: BackgroundWorker[] = [];
  background.push(
    startWebhookDeliveryWorker({
      db,
      redis,
      redisPrefix: env.REDIS_PREFIX,
      logger,
      registry,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
    }),
  );
  // --- end of background workers ---

  const ops = createOpsRoutes({
    checks: { postgres: () => pingDb(sql), redis: () => pingRedis(redis) },
    registry,
  });
  const server = await listen(ops, env.WORKER_PORT);
  logger.info({ port: env.WORKER_PORT, workerId: worker.workerId }, "worker listening");
  onShutdown(logger, env.SHUTDOWN_TIMEOUT_MS, [
    { name: "http", run: () => closeServer(server) },
    { name: "sessions", run: () => worker.stop() },
    { name: "background", run: () => Promise.allSettled(background.map((b) => b.close())) },
    { name: "connections", run: () => Promise.allSettled([closeDb(), redis.quit()]) },
  ]);
});
