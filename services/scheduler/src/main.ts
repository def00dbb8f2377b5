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
import { createScheduler } from "./scheduler.js";

await runMain("scheduler", async () => {
  const env = parseSchedulerEnv();
  const logger = createLogger("scheduler", env.LOG_LEVEL);
  const {
    db,
    sql,
    close: closeDb,
  } = createDb(env.DATABASE_URL, {
    applicationName: "wagate-scheduler",
  });
  const redis = createRedis(env.REDIS_URL, {}, logger);
  const registry = createMetricsRegistry("scheduler");
  const scheduler = createScheduler({
    db,
    sql,
    redis,
    redisPrefix: env.REDIS_PREFIX,
    logger,
    settings: env,
    registry,
  });
  const ops = createOpsRoutes({
    checks: { postgres: () => pingDb(sql), redis: () => pingRedis(redis) },
    registry,
  });
  const server = await listen(ops, env.SCHEDULER_PORT);
  // Shutdown is armed before the schedules are declared, so a signal during start-up still
  // closes what was opened.
  onShutdown(logger, env.SHUTDOWN_TIMEOUT_MS, [
    { name: "http", run: () => closeServer(server) },
    { name: "scheduler", run: () => scheduler.stop() },
    { name: "connections", run: () => Promise.allSettled([closeDb(), redis.quit()]) },
  ]);
  await scheduler.start();
  logger.info({ port: env.SCHEDULER_PORT }, "scheduler listening; job schedules declared");
});
