import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { QUEUES } from "@wagate/contracts";
import { useTestEnv } from "@wagate/testkit";
import { QueueEvents } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli.js";
import { JOB_NAMES_LIST } from "../src/jobs/index.js";
import { jobLockKey } from "../src/lock.js";
import type { Scheduler } from "../src/scheduler.js";
import { makeScheduler } from "./helpers.js";

const env = useTestEnv();
const started: Scheduler[] = [];
const replica = (settings: Record<string, string> = {}) => {
  const s = makeScheduler(env, { settings });
  started.push(s);
  return s;
};

afterAll(async () => {
  await Promise.allSettled(started.map((s) => s.stop()));
});

describe("scheduler", () => {
  it("declares one schedule per job however many replicas start", async () => {
    const a = replica();
    const b = replica();
    await Promise.all([a.start({ worker: false }), b.start({ worker: false })]);
    await a.start({ worker: false });
    const schedulers = await a.queue.getJobSchedulers(0, -1);
    expect(schedulers.map((s) => s.key).sort()).toEqual([
      "aggregate-usage",
      "aggregate-usage-yesterday",
      "cleanup-expired",
      "detect-suspicious",
      "prune-logs",
      "reconcile-messages",
    ]);
    for (const s of schedulers) expect(s.tz).toBe("UTC");
    expect(schedulers.find((s) => s.key === "aggregate-usage-yesterday")).toMatchObject({
      name: "aggregate-usage",
      pattern: "7 0 * * *",
    });
    // One pending run per schedule, not one per replica.
    expect(await a.queue.getDelayedCount()).toBe(6);
  });

  it("drops a schedule turned off", async () => {
    const c = replica({ SCHEDULE_DETECT_SUSPICIOUS: "off" });
    await c.start({ worker: false });
    const keys = (await c.queue.getJobSchedulers(0, -1)).map((s) => s.key);
    expect(keys).not.toContain("detect-suspicious");
    expect(keys).toHaveLength(5);
  });

  it("runs a queued maintenance job through its worker and measures it", async () => {
    const d = replica();
    await d.start();
    const connection = env.redis.redis.duplicate();
    const events = new QueueEvents(QUEUES.maintenance, { connection, prefix: env.redis.prefix });
    await events.waitUntilReady();
    const job = await d.queue.add("cleanup-expired", { trigger: "schedule" });
    const result = await job.waitUntilFinished(events, 15_000);
    expect(result).toMatchObject({ refresh_tokens_deleted: 0 });
    await events.close();
    connection.disconnect();
    const runs = await d.ctx.metrics.jobRuns.get();
    expect(runs.values).toContainEqual(
      expect.objectContaining({ labels: { job: "cleanup-expired", result: "success" }, value: 1 }),
    );
    const duration = await d.ctx.metrics.jobDuration.get();
    expect(
      duration.values.find((v) => v.metricName === "wagate_scheduler_job_duration_seconds_count")
        ?.value,
    ).toBe(1);
    const text = await d.registry.metrics();
    expect(text).toMatch(/wagate_maintenance_queue_jobs\{state="delayed"\} 6/);
    expect(text).toMatch(
      /wagate_scheduler_job_runs_total\{job="cleanup-expired",result="success"\} 1/,
    );
  });

  it("never overlaps two runs of the same job", async () => {
    const e = replica();
    await env.redis.redis.set(
      jobLockKey(env.redis.prefix, "prune-logs"),
      "someone-else",
      "PX",
      5000,
    );
    expect(await e.runJob("prune-logs")).toMatchObject({ result: "skipped" });
    await env.redis.redis.del(jobLockKey(env.redis.prefix, "prune-logs"));
    // Two concurrent runs: one runs, the other finds the lock taken.
    const results = await Promise.all([
      e.runJob("detect-suspicious"),
      e.runJob("detect-suspicious"),
    ]);
    expect(results.map((r) => r.result).sort()).toEqual(["skipped", "success"]);
    expect(await e.runJob("no-such-job")).toMatchObject({ result: "failure" });
  });
});

describe("cli", () => {
  const lines: string[] = [];
  const errors: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => errors.push(l) };

  it("lists the jobs", async () => {
    expect(await runCli(["list"], {}, io)).toBe(0);
    expect(lines.map((l) => l.split("\t")[0])).toEqual(JOB_NAMES_LIST);
  });

  it("runs one job now and prints its summary", async () => {
    lines.length = 0;
    const vars = {
      DATABASE_URL: env.db.url,
      REDIS_URL: env.redis.url,
      REDIS_PREFIX: env.redis.prefix,
      LOG_LEVEL: "silent",
    };
    expect(await runCli(["run", "aggregate-usage", "--days", "1"], vars, io)).toBe(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      job: "aggregate-usage",
      result: "success",
      days: 2,
    });
    expect(await runCli(["run", "nope"], vars, io)).toBe(2);
    expect(errors.at(-1)).toMatch(/unknown job "nope"/);
    expect(await runCli(["run", "prune-logs"], {}, io)).toBe(2);
    expect(errors.at(-1)).toMatch(/DATABASE_URL/);
  });

  it("is what `npm run scheduler -- list` runs", () => {
    const cwd = fileURLToPath(new URL("..", import.meta.url));
    const child = spawnSync("npx", ["tsx", "src/cli.ts", "list"], {
      cwd,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(child.status).toBe(0);
    expect(child.stdout).toContain("reconcile-messages\t");
    // A process compiling TypeScript: slow on a busy machine.
  }, 150_000);
});
