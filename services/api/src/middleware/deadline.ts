import type { Server } from "node:http";
import type { MiddlewareHandler } from "hono";
import type { AppDeps, AppEnv } from "../lib/context.js";
import { ApiError } from "../lib/errors.js";

/** Seconds a client is told to wait after a request ran out of time. */
const RETRY_AFTER_SECONDS = "5";

/**
 * Per app (tests build many): `count` = requests whose answer has not started yet;
 * `running` = handlers still running, including those the deadline already answered.
 */
const inFlight = new WeakMap<AppDeps, { count: number; running: number }>();

function counter(deps: AppDeps) {
  let entry = inFlight.get(deps);
  if (!entry) {
    entry = { count: 0, running: 0 };
    inFlight.set(deps, entry);
  }
  return entry;
}

const unavailable = (message: string) =>
  new ApiError("service_unavailable", message, {
    headers: { "Retry-After": RETRY_AFTER_SECONDS },
  });

/**
 * Bounds the time to an answer: a request that has no response after
 * `REQUEST_TIMEOUT_MS` answers 503 `service_unavailable` with `Retry-After` (through the
 * app's error handler) instead of hanging on a dependency that is restarting. What the handler
 * was doing keeps running in the background and its late result is dropped, so a client that
 * retries a send must use `Idempotency-Key`. Only the time to the response counts: an event
 * stream that has started is not cut.
 *
 * Load shedding: while `REQUEST_MAX_IN_FLIGHT` handlers are running (answered-late ones
 * included), a new request answers 503 at once instead of queueing behind them. Without it, a
 * slow dependency plus clients retrying turn every request into a late 503 while the work
 * still gets done (zero goodput; seen in `npm run chaos` on a starved machine).
 * Creating a broadcast has its own, longer bound (`BULK_REQUEST_TIMEOUT_MS`).
 */
export function requestDeadline(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const maxRunning = deps.env.REQUEST_MAX_IN_FLIGHT;
  const pending = counter(deps);
  return async (c, next) => {
    const timeoutMs = isBulkRequest(c.req.method, c.req.path)
      ? deps.env.BULK_REQUEST_TIMEOUT_MS
      : deps.env.REQUEST_TIMEOUT_MS;
    if (pending.running >= maxRunning) {
      throw unavailable("too many requests in progress; retry later");
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(unavailable(`no answer within ${timeoutMs} ms; retry later`));
      }, timeoutMs);
    });
    pending.count++;
    pending.running++;
    const work = next().finally(() => {
      pending.running--;
    });
    // A handler that fails after the deadline answered must not become an unhandled rejection.
    work.catch(() => {});
    try {
      await Promise.race([work, expired]);
    } finally {
      pending.count--;
      clearTimeout(timer);
    }
  };
}

/**
 * Requests whose work is proportional to their size (a broadcast of up to 100 000 rows): they
 * get `BULK_REQUEST_TIMEOUT_MS`, because their work commits even after a 503.
 */
const isBulkRequest = (method: string, path: string): boolean =>
  method === "POST" && path.replace(/\/+$/, "") === "/api/v1/broadcasts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Graceful stop of the API's HTTP server, bounded: stops accepting connections, lets every
 * request in flight get its answer (the deadline bounds them, so `graceMs` defaults to
 * `REQUEST_TIMEOUT_MS` + 1 s), closes keep-alive connections as they fall idle, then closes
 * whatever is left (event streams: clients reconnect to another replica).
 */
export async function drainRequests(
  deps: AppDeps,
  server: Server,
  graceMs = deps.env.REQUEST_TIMEOUT_MS + 1000,
): Promise<void> {
  const pending = counter(deps);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const deadline = Date.now() + graceMs;
  server.closeIdleConnections();
  while (pending.count > 0 && Date.now() < deadline) {
    await sleep(25);
    server.closeIdleConnections();
  }
  // The last answers are being written: give them a moment to reach their sockets.
  for (let i = 0; i < 8; i++) {
    await sleep(25);
    server.closeIdleConnections();
  }
  server.closeAllConnections();
  await closed;
}
