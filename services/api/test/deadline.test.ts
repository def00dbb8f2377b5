import { randomBytes } from "node:crypto";
import type { Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { API_KEY_SCOPES } from "@wagate/contracts";
import { createLogger, createMetricsRegistry, generateApiKey, listen } from "@wagate/core";
import { apiKeys, createDb, newId, users, whatsappSessions } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { withApiState } from "../src/deps.js";
import { parseApiEnv } from "../src/env.js";
import type { AppDeps } from "../src/lib/context.js";
import { drainRequests } from "../src/middleware/deadline.js";

/*
 * Postgres that accepts connections and never answers (a server stuck in a restart or behind
 * a cut network): requests that need it must still be answered, with 503, within the deadline.
 */
const env = useTestEnv();
const apiKeySecret = randomBytes(32);
let blackHole: Server;
const held = new Set<Socket>();
let stuckDb: ReturnType<typeof createDb>;
let key: string;
let healthyKey: string;

function depsFor(
  db: { db: AppDeps["db"]; sql: AppDeps["sql"] },
  timeoutMs: number,
  maxInFlight = 512,
  bulkTimeoutMs = 180_000,
): AppDeps {
  const apiEnv = parseApiEnv({
    NODE_ENV: "test",
    DATABASE_URL: env.db.url,
    REDIS_URL: env.redis.url,
    REDIS_PREFIX: env.redis.prefix,
    LOG_LEVEL: "silent",
    JWT_SECRET: randomBytes(32).toString("hex"),
    REQUEST_TIMEOUT_MS: String(timeoutMs),
    REQUEST_MAX_IN_FLIGHT: String(maxInFlight),
    BULK_REQUEST_TIMEOUT_MS: String(bulkTimeoutMs),
  });
  return withApiState({
    env: apiEnv,
    db: db.db,
    sql: db.sql,
    redis: env.redis.redis,
    redisPrefix: env.redis.prefix,
    logger: createLogger("api-test", "silent"),
    registry: createMetricsRegistry("api"),
    now: () => new Date(),
    jwtSecret: new TextEncoder().encode(apiEnv.JWT_SECRET),
    apiKeySecret,
  });
}

async function seedKey(): Promise<{ raw: string; userId: string }> {
  const userId = newId("user");
  await env.db.db
    .insert(users)
    .values({ id: userId, name: "Deadline", email: `${userId}@example.test` });
  const generated = generateApiKey("test", apiKeySecret);
  await env.db.db.insert(apiKeys).values({
    id: newId("apiKey"),
    userId,
    name: "deadline",
    prefix: generated.prefix,
    keyHash: generated.hash,
    mode: "test",
    scopes: [...API_KEY_SCOPES],
  });
  return { raw: generated.raw, userId };
}

beforeAll(async () => {
  blackHole = createServer((socket) => {
    held.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", () => resolve()));
  const address = blackHole.address();
  const port = typeof address === "object" && address ? address.port : 0;
  stuckDb = createDb(`postgres://postgres@127.0.0.1:${port}/stuck`, { max: 2 });
  key = (await seedKey()).raw;
  const healthy = await seedKey();
  healthyKey = healthy.raw;
  await env.db.db.insert(whatsappSessions).values({
    id: newId("session"),
    userId: healthy.userId,
    name: "default",
    driver: "simulator",
    mode: "test",
    status: "ready",
  });
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  await stuckDb.sql.end({ timeout: 0 });
});

const withKey = (raw: string) => ({ authorization: `ApiKey ${raw}` });

describe("request deadline", () => {
  it("answers 503 service_unavailable with Retry-After when Postgres never answers", async () => {
    const app = createApp(depsFor(stuckDb, 300));
    const res = await app.request("/api/v1/messages", { headers: withKey(key) });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const body = (await res.json()) as { error: { code: string; request_id: string } };
    expect(body.error.code).toBe("service_unavailable");
    expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("sheds a request at once while the handlers of late answers still run", async () => {
    const app = createApp(depsFor(stuckDb, 300, 1));
    // The first request is answered 503 by the deadline, but its handler still waits on Postgres.
    const first = await app.request("/api/v1/messages", { headers: withKey(key) });
    expect(first.status).toBe(503);
    const second = await app.request("/api/v1/messages", { headers: withKey(key) });
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("5");
    const body = (await second.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: "service_unavailable" });
    expect(body.error.message).toContain("too many requests in progress");
  });

  it("gives creating a broadcast its own, longer bound", async () => {
    const app = createApp(depsFor(stuckDb, 300, 512, 1200));
    const res = await app.request("/api/v1/broadcasts", {
      method: "POST",
      headers: { ...withKey(key), "content-type": "application/json" },
      body: JSON.stringify({ name: "n", message: { type: "text", text: "hi" }, recipients: [] }),
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.message).toContain("no answer within 1200 ms");
  });

  it("leaves requests that answer in time alone", async () => {
    // A deadline no healthy request misses, even on a loaded machine.
    const app = createApp(depsFor(env.db, 30_000));
    const res = await app.request("/api/v1/messages", { headers: withKey(healthyKey) });
    expect(res.status).toBe(200);
  });

  it("does not cut an event stream that outlives the deadline", async () => {
    // The stream must open before the deadline (a loaded machine may take a while), then
    // outlive it.
    const deadlineMs = 3000;
    const app = createApp(depsFor(env.db, deadlineMs));
    const res = await app.request("/api/v1/sessions/events", { headers: withKey(healthyKey) });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("event: status");
    // Well past the deadline the stream is still open: the next read is still pending.
    const next = reader.read();
    const outcome = await Promise.race([
      next.then(() => "ended-or-data"),
      new Promise((resolve) => setTimeout(() => resolve("still open"), deadlineMs + 1000)),
    ]);
    expect(outcome).toBe("still open");
    await reader.cancel();
  });
});

describe("SIGTERM drain", () => {
  it("answers the request in flight, closes event streams, and stops within the bound", async () => {
    const deps = depsFor(stuckDb, 500);
    // The healthy database serves the stream; the stuck one the slow request.
    const streamDeps = { ...depsFor(env.db, 500) };
    const slowApp = createApp(deps);
    const streamApp = createApp(streamDeps);
    const app = {
      fetch: (request: Request) =>
        new URL(request.url).pathname.endsWith("/events")
          ? streamApp.fetch(request)
          : slowApp.fetch(request),
    };
    const server = (await listen(app, 0, "127.0.0.1")) as HttpServer;
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

    const stream = await fetch(`${base}/api/v1/sessions/events`, {
      headers: withKey(healthyKey),
    });
    expect(stream.status).toBe(200);
    const streamBody = stream.text().then(
      () => "closed",
      () => "closed",
    );
    const slow = fetch(`${base}/api/v1/messages`, { headers: withKey(key) });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the slow request is in flight

    let drained = false;
    const drain = drainRequests(deps, server, 5_000).then(() => {
      drained = true;
    });
    const answer = await slow;
    expect(answer.status).toBe(503);
    expect(drained).toBe(false);
    await drain;
    expect(await streamBody).toBe("closed");
    expect(server.listening).toBe(false);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
