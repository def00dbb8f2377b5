import {
  closeServer,
  createLogger,
  createMetricsRegistry,
  createOpsRoutes,
  createRedis,
  listen,
  onShutdown,
  pingRedis,
  runMain,
} from "@wagate/core";
import { createDb, pingDb } from "@wagate/db";
import { parseWorkerEnv } from "./env.js";

await runMain("worker", async () => {
  const env = parseWorkerEnv();
  const logger = createLogger("worker", env.LOG_LEVEL);
  const { sql, close: closeDb } = createDb(env.DATABASE_URL, { applicationName: "wagate-worker" });
  const redis = createRedis(env.REDIS_URL);
  const registry = createMetricsRegistry("worker");
  const ops = createOpsRoutes({
    checks: { postgres: () => pingDb(sql), redis: () => pingRedis(redis) },
    registry,
  });
  const server = await listen(ops, env.WORKER_PORT);
  logger.info({ port: env.WORKER_PORT }, "worker listening");
  onShutdown(logger, env.SHUTDOWN_TIMEOUT_MS, [
    { name: "http", run: () => closeServer(server) },
    { name: "connections", run: () => Promise.allSettled([closeDb(), redis.quit()]) },
  ]);
});
