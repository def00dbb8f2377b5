import { createRedis } from "@wagate/core";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { subscribeChannel } from "../src/domain/sessions/events.js";
import type { AppDeps } from "../src/lib/context.js";
import { useTestApp } from "./harness.js";

/**
 * The shared pub/sub connection of `/sessions/events`, disconnect and owner questions: a
 * SUBSCRIBE that reaches it between TCP connect and ready must not break its handshake
 * (it used to fail ioredis' ready check with "Connection in subscriber mode, only
 * subscriber commands may be used", and the connection was dropped and made again).
 */
const t = useTestApp();
const opened: Redis[] = [];
afterAll(() => {
  for (const redis of opened) redis.disconnect();
});

describe("session events hub", () => {
  it("takes a subscription made while its connection is still handshaking", async () => {
    const redis = createRedis(t.env.redis.url, { maxRetriesPerRequest: 2 });
    opened.push(redis);
    await redis.ping();
    let subscriber: Redis | undefined;
    const duplicate = redis.duplicate.bind(redis);
    redis.duplicate = (override) => {
      subscriber = duplicate(override);
      return subscriber;
    };
    const warnings: string[] = [];
    const logger = {
      ...t.deps.logger,
      warn: (object: { err?: Error }) => warnings.push(object.err?.message ?? "warn"),
    } as unknown as AppDeps["logger"];
    const deps: AppDeps = { ...t.deps, redis, logger };
    const prefix = t.deps.redisPrefix;
    const got: string[] = [];

    const first = subscribeChannel(deps, `${prefix}:hub-test:a`, (m) => got.push(`a:${m}`));
    expect(subscriber).toBeDefined();
    // Exactly in the window: the socket is up, the handshake (if any) not done.
    const second = new Promise<() => Promise<void>>((resolve, reject) => {
      subscriber!.once("connect", () => {
        subscribeChannel(deps, `${prefix}:hub-test:b`, (m) => got.push(`b:${m}`)).then(
          resolve,
          reject,
        );
      });
    });
    const stops = await Promise.all([first, second]);
    let reconnects = 0;
    subscriber!.on("reconnecting", () => reconnects++);

    await redis.publish(`${prefix}:hub-test:a`, "1");
    await redis.publish(`${prefix}:hub-test:b`, "2");
    await expect.poll(() => got.sort(), { timeout: 10_000 }).toEqual(["a:1", "b:2"]);
    expect(warnings).toEqual([]);
    expect(reconnects).toBe(0);
    expect(subscriber!.status).toBe("ready");
    for (const stop of stops) await stop();
    // The last listener gone, the connection is closed.
    await expect.poll(() => subscriber!.status, { timeout: 10_000 }).toBe("end");
  });
});
