import { performance } from "node:perf_hooks";
import { type apiLogs, newId } from "@wagate/db";
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppDeps, AppEnv } from "../lib/context.js";
import { getApiMetrics } from "../lib/metrics.js";
import { clientIp } from "../lib/request.js";

type ApiLogRow = typeof apiLogs.$inferInsert;

export interface ApiLogWriterOptions {
  /** Rows per INSERT; reaching it also triggers a flush. Default 500. */
  batchSize?: number;
  /** Most rows held in memory; past it the oldest are dropped and counted. Default 20 000. */
  maxBuffered?: number;
}

/**
 * Buffers api_logs rows in memory and writes them with one multi-row INSERT per batch.
 * Requests never wait on it: when Postgres is slow or down the buffer fills, and past its
 * bound the oldest rows are dropped and counted in `wagate_api_logs_dropped_total`.
 */
export class ApiLogWriter {
  private buffer: ApiLogRow[] = [];
  private flushing: Promise<void> | null = null;
  private readonly batchSize: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly deps: AppDeps,
    options: ApiLogWriterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.maxBuffered = options.maxBuffered ?? 20_000;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  record(row: ApiLogRow): void {
    this.buffer.push(row);
    this.trim();
    if (this.buffer.length >= this.batchSize && !this.flushing) void this.flush();
  }

  /** Writes everything buffered now (in batches); stops at the first failure. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    const metrics = getApiMetrics(this.deps.registry);
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await insertApiLogs(this.deps, batch);
        metrics.apiLogsWritten.inc(batch.length);
      } catch (error) {
        // Keep the rows for the next attempt (oldest first), within the bound.
        this.buffer = batch.concat(this.buffer);
        this.trim();
        this.deps.logger.warn({ err: error, rows: batch.length }, "api_logs flush failed");
        return;
      }
    }
  }

  private trim(): void {
    const excess = this.buffer.length - this.maxBuffered;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      getApiMetrics(this.deps.registry).apiLogsDropped.inc(excess);
    }
  }
}

/**
 * One INSERT ... SELECT FROM unnest() with a text/int array per column: ten parameters
 * whatever the batch size, so building and sending a 500-row batch costs next to nothing
 * (Drizzle's builder with 5,000 placeholders cost more CPU than the requests it logged).
 */
async function insertApiLogs(deps: AppDeps, rows: ApiLogRow[]): Promise<void> {
  const column = <T>(pick: (row: ApiLogRow) => T) => rows.map(pick);
  await deps.sql`
    insert into api_logs
      (id, user_id, api_key_id, method, route, status_code, ip, duration_ms, request_id, created_at)
    select * from unnest(
      ${column((r) => r.id)}::text[],
      ${column((r) => r.userId ?? null)}::text[],
      ${column((r) => r.apiKeyId ?? null)}::text[],
      ${column((r) => r.method)}::text[],
      ${column((r) => r.route)}::text[],
      ${column((r) => r.statusCode)}::int[],
      ${column((r) => r.ip ?? null)}::text[],
      ${column((r) => r.durationMs)}::int[],
      ${column((r) => r.requestId ?? null)}::text[],
      ${column((r) => (r.createdAt ?? new Date()).toISOString())}::text[]::timestamptz[]
    )`;
}

const writers = new WeakMap<AppDeps, ApiLogWriter>();

/** The api_logs writer of this API instance. */
export function getApiLogWriter(deps: AppDeps): ApiLogWriter {
  let writer = writers.get(deps);
  if (!writer) {
    writer = new ApiLogWriter(deps);
    writers.set(deps, writer);
  }
  return writer;
}

/** Flushes the writer every `intervalMs` (default 1 s) and once more on stop. */
export function startApiLogWriter(deps: AppDeps, intervalMs = 1000): () => Promise<void> {
  const writer = getApiLogWriter(deps);
  const timer = setInterval(() => void writer.flush(), intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await writer.flush();
  };
}

/**
 * The registered pattern of the handler that answered (`/api/v1/messages/:id`), never the
 * raw path; `unmatched` for requests no route matched, so scans of random paths cannot
 * blow up label or row cardinality. Middleware (`use`, method ALL) does not count.
 */
export function routePattern(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!;
    if (route.method !== "ALL") return route.path;
  }
  return "unmatched";
}

/**
 * Records every API request (account, key, method, route pattern, status, IP, duration,
 * request id; never headers or bodies) into api_logs through the batch writer, and into the
 * HTTP request metrics.
 */
export function requestLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const at = c.get("deps").now();
    try {
      await next();
    } finally {
      const deps = c.get("deps");
      const seconds = (performance.now() - started) / 1000;
      const route = routePattern(c);
      const status = c.res.status;
      const method = c.req.method;
      const metrics = getApiMetrics(deps.registry);
      const labels = { method, route, status: String(status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      const account = c.get("account");
      getApiLogWriter(deps).record({
        id: newId("apiLog"),
        userId: account?.userId ?? null,
        apiKeyId: account?.keyId ?? null,
        method,
        route,
        statusCode: status,
        ip: clientIp(c),
        durationMs: Math.round(seconds * 1000),
        requestId: c.get("requestId") ?? null,
        createdAt: at,
      });
    }
  };
}
