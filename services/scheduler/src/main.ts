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
import { parseSchedulerEnv } from "./env.js";

await runMain("scheduler", async () => {
  const env = parseSchedulerEnv();
  const logger = createLogger("scheduler", env.LOG_LEVEL);
  const { sql, close: closeDb } = createDb(env.DATABASE_URL, {
    applicationName: "wagate-scheduler",
  });
  const redis = createRedis(env.REDIS_URL);
  const registry = createMetricsRegistry("scheduler");
  const ops = createOpsRoutes({
    checks: { postgres: () => pingDb(sql), redis: () => pingRedis(redis) },
    registry,
  });
  const server = await listen(ops, env.SCHEDULER_PORT);
  logger.info({ port: env.SCHEDULER_PORT }, "scheduler listening");
  onShutdown(logger, env.SHUTDOWN_TIMEOUT_MS, [
    { name: "http", run: () => closeServer(server) },
    { name: "connections", run: () => Promise.allSettled([closeDb(), redis.quit()]) },
  ]);
});
