import type { Server } from "node:http";
import type { MiddlewareHandler } from "hono";
import type { AppDeps, AppEnv } from "../lib/context.js";
import { ApiError } from "../lib/errors.js";

/** Seconds a client is told to wait after a request ran out of time. */
const RETRY_AFTER_SECONDS = "5";

/** Requests of one app whose answer has not started yet (per deps: tests build many apps). */
const inFlight = new WeakMap<AppDeps, { count: number }>();

function counter(deps: AppDeps) {
  let entry = inFlight.get(deps);
  if (!entry) {
    entry = { count: 0 };
    inFlight.set(deps, entry);
  }
  return entry;
}

/**
 * Bounds the time to an answer: a request that has no response after
 * `REQUEST_TIMEOUT_MS` answers 503 `service_unavailable` with `Retry-After` (through the
 * app's error handler) instead of hanging on a dependency that is restarting. What the handler
 * was doing keeps running in the background and its late result is dropped, so a client that
 * retries a send must use `Idempotency-Key`. Only the time to the response counts: an event
 * stream that has started is not cut.
 */
export function requestDeadline(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const timeoutMs = deps.env.REQUEST_TIMEOUT_MS;
  const pending = counter(deps);
  return async (_c, next) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new ApiError("service_unavailable", `no answer within ${timeoutMs} ms; retry later`, {
            headers: { "Retry-After": RETRY_AFTER_SECONDS },
          }),
        );
      }, timeoutMs);
    });
    pending.count++;
    const work = next();
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
