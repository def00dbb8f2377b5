import type { Redis } from "ioredis";
import type { AppDeps } from "../../lib/context.js";

type Listener = (message: string) => void;

interface Hub {
  subscriber: Redis;
  listeners: Map<string, Set<Listener>>;
}

/**
 * One pub/sub connection per API process serves every open `/sessions/events` stream:
 * channels are subscribed on the first listener and dropped with the last, and the
 * connection is closed when no stream is left (so an idle API holds no extra connection).
 *
 * The connection carries (UN)SUBSCRIBE only, so it runs without ioredis' ready check
 * (INFO) and client-info handshake (CLIENT SETINFO). With them, a SUBSCRIBE issued while
 * the connection was between TCP connect and ready — ioredis writes it at once, SUBSCRIBE
 * being allowed while Redis loads — put it in subscriber mode before INFO was sent: the
 * ready check failed with "Connection in subscriber mode, only subscriber commands may be
 * used" and the connection was dropped and made again (seen under load, when that window
 * is long).
 */
const hubs = new WeakMap<AppDeps, Hub>();

function hubFor(deps: AppDeps): Hub {
  let hub = hubs.get(deps);
  if (!hub) {
    const subscriber = deps.redis.duplicate({ enableReadyCheck: false, disableClientInfo: true });
    subscriber.on("error", (err) => deps.logger.warn({ err }, "session events subscriber error"));
    const listeners = new Map<string, Set<Listener>>();
    subscriber.on("message", (channel: string, message: string) => {
      for (const listener of listeners.get(channel) ?? []) listener(message);
    });
    hub = { subscriber, listeners };
    hubs.set(deps, hub);
  }
  return hub;
}

/**
 * Calls `listener` with each message published on `channel` until the returned function is
 * called. Resolves once Redis has confirmed the subscription, so nothing published after it
 * returns is missed.
 */
export async function subscribeChannel(
  deps: AppDeps,
  channel: string,
  listener: Listener,
): Promise<() => Promise<void>> {
  const hub = hubFor(deps);
  let set = hub.listeners.get(channel);
  if (!set) {
    set = new Set();
    hub.listeners.set(channel, set);
  }
  set.add(listener);
  await hub.subscriber.subscribe(channel);
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    const current = hub.listeners.get(channel);
    current?.delete(listener);
    if (current && current.size === 0) {
      hub.listeners.delete(channel);
      await hub.subscriber.unsubscribe(channel).catch(() => {});
    }
    if (hub.listeners.size === 0 && hubs.get(deps) === hub) {
      hubs.delete(deps);
      hub.subscriber.disconnect();
    }
  };
}
