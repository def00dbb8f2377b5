import { spawnSync } from "node:child_process";
import { createApp, createDeps, parseApiEnv, startBackground } from "@wagate/api";
import { createLogger, createMetricsRegistry, createOpsRoutes } from "@wagate/core";
import { createScheduler, parseSchedulerSettings } from "@wagate/scheduler";
import { TEST_PASSWORD_COST_ENV, useTestEnv } from "@wagate/testkit";
import {
  createDriverFactory,
  createWorker,
  SimulatedNetwork,
  startWebhookDeliveryWorker,
} from "@wagate/whatsapp-worker";
import { afterAll, describe, expect, it } from "vitest";
import { commandExists } from "./lib/processes.js";

// CI installs Debian's `prometheus` package, which ships promtool.
const hasPromtool = commandExists("promtool");
if (!hasPromtool) {
  console.warn(
    "scripts/metrics.test.ts skipped: promtool is not on PATH (Debian: apt-get install prometheus)",
  );
}

/** `promtool check metrics` on an exposition: its exit code and everything it printed. */
function promtoolCheck(exposition: string) {
  const run = spawnSync("promtool", ["check", "metrics"], { input: exposition, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

describe.skipIf(!hasPromtool)("/metrics of every service passes promtool check metrics", () => {
  const env = useTestEnv();
  const stops: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  });
  const logger = createLogger("metrics-test", "silent");

  async function expectClean(scrape: Response) {
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    expect(text).toContain("wagate_process_resident_memory_bytes");
    expect(promtoolCheck(text)).toEqual({ status: 0, output: "" });
  }

  it("api", async () => {
    const { deps, close } = createDeps(
      parseApiEnv({
        NODE_ENV: "test",
        DATABASE_URL: env.db.url,
        REDIS_URL: env.redis.url,
        REDIS_PREFIX: env.redis.prefix,
        LOG_LEVEL: "silent",
        ...TEST_PASSWORD_COST_ENV,
      }),
    );
    stops.push(close);
    const background = await startBackground(deps);
    stops.push(() => background.stop());
    const app = createApp(deps);
    // Some traffic first, so the request counters and histograms carry samples.
    await app.request("/healthz");
    await app.request("/api/v1/messages");
    await app.request("/api/v1/no-such-route");
    await expectClean(await app.request("/metrics"));
  });

  it("whatsapp worker", async () => {
    const registry = createMetricsRegistry("worker");
    const worker = createWorker({
      db: env.db.db,
      redis: env.redis.redis,
      redisPrefix: env.redis.prefix,
      logger,
      registry,
      driverFactory: createDriverFactory({
        db: env.db.db,
        simProfile: "fast",
        simNetwork: new SimulatedNetwork(),
      }),
    });
    await worker.start();
    stops.push(() => worker.stop());
    const deliveries = startWebhookDeliveryWorker({
      db: env.db.db,
      redis: env.redis.redis,
      redisPrefix: env.redis.prefix,
      logger,
      registry,
      allowPrivate: false,
    });
    stops.push(() => deliveries.close());
    const ops = createOpsRoutes({ checks: {}, registry });
    await expectClean(await ops.request("/metrics"));
  });

  it("scheduler", async () => {
    const registry = createMetricsRegistry("scheduler");
    const scheduler = createScheduler({
      db: env.db.db,
      sql: env.db.sql,
      redis: env.redis.redis,
      redisPrefix: env.redis.prefix,
      logger,
      settings: parseSchedulerSettings({}),
      registry,
    });
    await scheduler.start();
    stops.push(() => scheduler.stop());
    const ops = createOpsRoutes({ checks: {}, registry });
    await expectClean(await ops.request("/metrics"));
  });
});
