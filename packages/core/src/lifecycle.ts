import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { Logger } from "pino";
import { EnvError } from "./env.js";

export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
}

/**
 * Runs `steps` in order on SIGTERM/SIGINT (stop taking work, finish or hand back in-flight
 * work, close connections), bounded by `timeoutMs`; exits 0 when all finished, 1 on timeout.
 */
export function onShutdown(logger: Logger, timeoutMs: number, steps: ShutdownStep[]): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, "shutdown timed out; exiting");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        logger.error({ err: error, step: step.name }, "shutdown step failed");
      }
    }
    clearTimeout(timer);
    logger.info("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

/** Anything with a fetch handler: a Hono or OpenAPIHono app of any env. */
export interface Fetchable {
  fetch: (request: Request) => Response | Promise<Response>;
}

export interface ListenOptions {
  /** Default `0.0.0.0`. */
  hostname?: string;
  /**
   * Idle time before the server closes a kept-alive connection, ms. Default 75 000: longer
   * than load balancers' idle timeouts, so they never reuse a connection we are closing.
   */
  keepAliveTimeoutMs?: number;
  /** Time to receive a request's headers, ms; above the keep-alive timeout. Default keep-alive + 1 000. */
  headersTimeoutMs?: number;
}

/**
 * Serves a Hono app on `port`; resolves once listening. Node's own keep-alive timeout (5 s)
 * is shorter than every proxy's idle timeout: a client or balancer reusing a connection
 * just as the server closes it gets "other side closed" (a 502 behind a balancer).
 */
export function listen(
  app: Fetchable,
  port: number,
  /** Options, or just the hostname (as callers written before the options passed it). */
  hostnameOrOptions: string | ListenOptions = {},
): Promise<Server> {
  const options =
    typeof hostnameOrOptions === "string" ? { hostname: hostnameOrOptions } : hostnameOrOptions;
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? 75_000;
  const headersTimeout = options.headersTimeoutMs ?? keepAliveTimeout + 1000;
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: options.hostname ?? "0.0.0.0" }, () =>
      resolve(server as Server),
    ) as Server;
    server.keepAliveTimeout = keepAliveTimeout;
    server.headersTimeout = headersTimeout;
    // A request may take longer than its headers, never less.
    if (server.requestTimeout > 0 && server.requestTimeout < headersTimeout) {
      server.requestTimeout = headersTimeout;
    }
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections?.();
  });
}

/** Entry-point wrapper: an `EnvError` prints the variables at fault and exits 1. */
export async function runMain(service: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`${service}: ${error.message}`);
    } else {
      console.error(`${service}: failed to start`, error);
    }
    process.exit(1);
  }
}
