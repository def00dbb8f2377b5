import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { type AppDeps, createDeps, parseApiEnv, startBackground } from "@wagate/api";
import { API_KEY_SCOPES } from "@wagate/contracts";
import { closeServer, type Fetchable, generateApiKey, listen } from "@wagate/core";
import { apiKeys, newId, runMigrations, users, whatsappSessions } from "@wagate/db";
import autocannon from "autocannon";
import postgres from "postgres";

/** One figure a benchmark reports, beside the yardstick measured in the same run. */
export interface Result {
  name: string;
  value: number;
  unit: string;
  /** The yardstick's value in the same unit (for a yardstick itself: its own value). */
  baseline: number;
  /** value / baseline: above 1 means more (faster for rates, slower for latencies). */
  ratio: number;
}

export interface BenchContext {
  /** Server-level Postgres URL; benchmarks make their own databases beside it. */
  databaseUrl: string;
  redisUrl: string;
  /** Seconds per HTTP measurement (BENCH_DURATION_S, default 5). */
  durationSeconds: number;
  /** Concurrent HTTP connections (BENCH_CONNECTIONS, default 50). */
  connections: number;
  /** A fresh migrated database, dropped when the benchmark ends. */
  createDatabase: () => Promise<string>;
  /** A Redis key prefix of this benchmark's own; its keys are deleted when it ends. */
  redisPrefix: () => string;
  log: (message: string) => void;
}

export interface Benchmark {
  /** Short and unique; `npm run bench -- <name>` picks it. */
  name: string;
  description: string;
  run: (ctx: BenchContext) => Promise<Result[]>;
}

/** A result compared with `baseline` (same unit). */
export function result(name: string, value: number, unit: string, baseline = value): Result {
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    name,
    value: round(value),
    unit,
    baseline: round(baseline),
    ratio: baseline === 0 ? 0 : Math.round((value / baseline) * 1000) / 1000,
  };
}

/** Runs `fn` once; resolves to [elapsed milliseconds, its value]. */
export async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A positive integer from environment variable `name`, or `fallback` when it is unset. */
export function envInt(name: string, fallback: number, { min = 1 } = {}): number {
  const raw = process.env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name}: must be an integer >= ${min}`);
  }
  return value;
}

export interface HttpFigures {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Connection errors, timeouts and answers other than the expected status. */
  failures: number;
  requests: number;
}

export interface MeasureOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  headers?: Record<string, string>;
  body?: string;
  durationSeconds: number;
  connections: number;
  /** Status every answer must have; others count as failures. Default 200. */
  expectStatus?: number;
  /** Unmeasured warm-up before the run, seconds. Default 1. */
  warmupSeconds?: number;
  /** Fixed offered load, requests/s over all connections (latency at a given rate). */
  overallRate?: number;
}

/** HTTP load on loopback with autocannon: requests/s and latency percentiles. */
export async function measureHttp(url: string, options: MeasureOptions): Promise<HttpFigures> {
  const expected = options.expectStatus ?? 200;
  const base = {
    url,
    method: options.method ?? "GET",
    headers: options.headers ?? {},
    body: options.body,
    connections: options.connections,
    ...(options.overallRate ? { overallRate: Math.max(1, Math.round(options.overallRate)) } : {}),
  };
  const warmup = options.warmupSeconds ?? 1;
  // The load generator runs on its own thread (autocannon's `workers`), so it does not share
  // the server's event loop: a route's cost is not diluted by the client's.
  const run = (duration: number) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      autocannon({ ...base, duration, workers: 1 }, (error, res) =>
        error ? reject(error) : resolve(res),
      );
    });
  if (warmup > 0) await run(warmup);
  const out = await run(options.durationSeconds);
  const stats = (out as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats;
  const unexpected = Object.entries(stats ?? {})
    .filter(([code]) => Number(code) !== expected)
    .reduce((sum, [, { count }]) => sum + count, 0);
  return {
    requestsPerSecond: out.requests.average,
    latencyP50Ms: out.latency.p50,
    latencyP99Ms: out.latency.p99,
    failures: out.errors + out.timeouts + unexpected,
    requests: out.requests.total,
  };
}

/** Serves `app` the way the services do (`listen` from @wagate/core) on a free loopback port. */
export async function startServer(app: Fetchable) {
  const server = await listen(app, 0, "127.0.0.1");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

/** URL of the same server with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Context for one benchmark; `cleanUp` drops its databases and Redis keys. */
export function createContext(options: {
  databaseUrl: string;
  redisUrl: string;
  durationSeconds: number;
  connections: number;
}) {
  const databases: string[] = [];
  const prefixes: string[] = [];
  const ctx: BenchContext = {
    ...options,
    createDatabase: async () => {
      const name = `wagate_bench_${randomBytes(5).toString("hex")}`;
      const admin = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`create database "${name}"`);
      } finally {
        await admin.end({ timeout: 5 });
      }
      databases.push(name);
      const url = withDatabase(options.databaseUrl, name);
      await runMigrations(url);
      return url;
    },
    redisPrefix: () => {
      const prefix = `bench${randomBytes(4).toString("hex")}`;
      prefixes.push(prefix);
      return prefix;
    },
    log: (message) => process.stdout.write(`  ${message}\n`),
  };
  const cleanUp = async () => {
    if (databases.length > 0) {
      const admin = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
      try {
        for (const name of databases) {
          await admin.unsafe(`drop database if exists "${name}" with (force)`);
        }
      } finally {
        await admin.end({ timeout: 5 });
      }
    }
    if (prefixes.length > 0) {
      const { Redis } = await import("ioredis");
      const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
      try {
        for (const prefix of prefixes) {
          let cursor = "0";
          do {
            const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
            cursor = next;
            if (keys.length > 0) await redis.unlink(...keys);
          } while (cursor !== "0");
        }
      } finally {
        redis.disconnect();
      }
    }
  };
  return { ctx, cleanUp };
}

export interface BenchApi {
  deps: AppDeps;
  /** A test-mode key of an account with a practically unlimited quota and a ready session. */
  rawKey: string;
  userId: string;
  close: () => Promise<void>;
}

/**
 * The API's real dependencies (`createDeps`) over a fresh database and Redis prefix, its
 * background work started, and one account to send as: what the HTTP benchmarks stand on.
 * The per-key request limit is lifted: it would cap every figure at its own setting.
 */
export async function startBenchApi(ctx: BenchContext): Promise<BenchApi> {
  const env = parseApiEnv({
    NODE_ENV: "test",
    DATABASE_URL: await ctx.createDatabase(),
    REDIS_URL: ctx.redisUrl,
    REDIS_PREFIX: ctx.redisPrefix(),
    LOG_LEVEL: "silent",
    JWT_SECRET: randomBytes(32).toString("hex"),
    API_KEY_RATE_LIMIT_PER_SECOND: "10000000",
  });
  const { deps, close } = createDeps(env);
  const background = await startBackground(deps);
  const userId = newId("user");
  await deps.db.insert(users).values({
    id: userId,
    name: "Bench",
    email: "bench@example.test",
    maxMessagesPerDay: 1_000_000_000,
  });
  const key = generateApiKey("test", deps.apiKeySecret);
  await deps.db.insert(apiKeys).values({
    id: newId("apiKey"),
    userId,
    name: "bench",
    prefix: key.prefix,
    keyHash: key.hash,
    mode: "test",
    scopes: [...API_KEY_SCOPES],
  });
  await deps.db.insert(whatsappSessions).values({
    id: newId("session"),
    userId,
    name: "default",
    mode: "test",
    driver: "simulator",
    status: "ready",
    desiredState: "running",
  });
  return {
    deps,
    rawKey: key.raw,
    userId,
    close: async () => {
      await background.stop();
      await close();
    },
  };
}
