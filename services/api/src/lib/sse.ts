import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import { subscribeChannel } from "../domain/sessions/events.js";
import type { AppEnv } from "./context.js";

/** A comment line this often keeps proxies from closing an idle stream. */
export const SSE_HEARTBEAT_MS = 15_000;

export interface SseEvent {
  event: string;
  data: string;
}

export interface RelayOptions {
  /** Redis pub/sub channel whose messages are relayed. */
  channel: string;
  /**
   * Writes the current state first. Messages published meanwhile wait behind it, so a
   * client never sees an older state after a newer one.
   */
  initial: (stream: SSEStreamingApi) => Promise<void>;
  /** Turns one published message into the events to write (none to drop it). */
  map: (raw: string) => SseEvent[] | Promise<SseEvent[]>;
  /** The stream ends (server side) this many ms after it starts. Default: with the client. */
  endAfterMs?: number;
}

/**
 * A `text/event-stream` relaying a Redis channel: subscribes first (nothing published after
 * the stream starts is missed), writes the current state, then each mapped message in order,
 * and a `: heartbeat` comment every `SSE_HEARTBEAT_MS`. Ends with the client, or after
 * `endAfterMs`.
 */
export function relaySse(c: Context<AppEnv>, options: RelayOptions) {
  const deps = c.get("deps");
  c.header("Cache-Control", "no-store");
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (stream) => {
    let closed = false;
    const wakers = new Set<() => void>();
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wakers.delete(done);
          resolve();
        }
        wakers.add(done);
      });
    stream.onAbort(() => {
      closed = true;
      for (const wake of [...wakers]) wake();
    });
    let releaseInitial: () => void = () => {};
    let chain: Promise<unknown> = new Promise<void>((resolve) => {
      releaseInitial = resolve;
    });
    const unsubscribe = await subscribeChannel(deps, options.channel, (raw) => {
      chain = chain
        .then(async () => {
          if (closed) return;
          for (const event of await options.map(raw)) {
            if (!closed) await stream.writeSSE(event);
          }
        })
        .catch((err: unknown) => deps.logger.warn({ err }, "event stream write failed"));
    });
    const endAt = options.endAfterMs === undefined ? Infinity : Date.now() + options.endAfterMs;
    try {
      await options.initial(stream);
      releaseInitial();
      while (!closed && !stream.aborted) {
        const left = endAt - Date.now();
        if (left <= 0) break;
        await sleep(Math.min(SSE_HEARTBEAT_MS, left));
        if (Date.now() >= endAt) break;
        if (!closed) chain = chain.then(() => stream.write(": heartbeat\n\n")).catch(() => {});
      }
    } finally {
      closed = true;
      releaseInitial();
      await unsubscribe();
    }
  });
}
