import { randomBytes } from "node:crypto";
import { createServer, type Server, Socket } from "node:net";
import { API_KEY_SCOPES } from "@wagate/contracts";
import { createLogger, createMetricsRegistry, createRedis, generateApiKey } from "@wagate/core";
import { apiKeys, createDb, newId, users, whatsappSessions } from "@wagate/db";
import { TEST_PASSWORD_COST_ENV, useTestEnv } from "@wagate/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../src/app.js";
import { parseApiEnv } from "../src/env.js";

/**
 * A TCP proxy in front of a real server that can be cut (listener closed, every open
 * connection destroyed) and restored on the same port, to play an outage.
 */
class OutageProxy {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = new Socket();
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      upstream.connect(this.targetPort, this.targetHost, () => {
        client.pipe(upstream).pipe(client);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (typeof address === "object" && address) this.port = address.port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

const hostPort = (url: string) => {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || (u.protocol.startsWith("redis") ? 6379 : 5432)),
  };
};

interface Readiness {
  status: string;
  checks: { postgres: string; redis: string };
}

const readyz = async (app: App) => {
  const started = Date.now();
  const res = await app.request("/readyz");
  return { status: res.status, body: (await res.json()) as Readiness, ms: Date.now() - started };
};

/**
 * A readiness probe or request must answer instead of hanging while a dependency is down; a
 * hang would last until the client's timeout. Loose, so a busy machine does not fail it.
 */
const READYZ_DEADLINE_MS = 20_000;

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000) {
  const deadline = Date.now() + ms;
  let last = await probe();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await probe();
  }
  return last;
}

const env = useTestEnv();

describe("/readyz follows Postgres and Redis", () => {
  let pgProxy: OutageProxy;
  let redisProxy: OutageProxy;
  let app: App;
  let close: () => Promise<void>;
  let rawKey: string;
  const apiKeySecret = randomBytes(32);

  beforeAll(async () => {
    const pg = hostPort(env.db.url);
    const redisTarget = hostPort(env.redis.url);
    pgProxy = new OutageProxy(pg.host, pg.port);
    redisProxy = new OutageProxy(redisTarget.host, redisTarget.port);
    await Promise.all([pgProxy.open(), redisProxy.open()]);

    const databaseUrl = new URL(env.db.url);
    databaseUrl.hostname = "127.0.0.1";
    databaseUrl.port = String(pgProxy.port);
    const redisUrl = new URL(env.redis.url);
    redisUrl.hostname = "127.0.0.1";
    redisUrl.port = String(redisProxy.port);

    const apiEnv = parseApiEnv({
      NODE_ENV: "test",
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: redisUrl.toString(),
      REDIS_PREFIX: env.redis.prefix,
      LOG_LEVEL: "silent",
      JWT_SECRET: randomBytes(32).toString("hex"),
      ...TEST_PASSWORD_COST_ENV,
    });
    const dbClient = createDb(apiEnv.DATABASE_URL, { max: 2, applicationName: "wagate-readyz" });
    // As in createDeps: bounded retries, so requests fail fast while Redis is down.
    const redis = createRedis(apiEnv.REDIS_URL, { maxRetriesPerRequest: 2 });
    app = createApp({
      env: apiEnv,
      db: dbClient.db,
      sql: dbClient.sql,
      redis,
      redisPrefix: env.redis.prefix,
      logger: createLogger("api-test", "silent"),
      registry: createMetricsRegistry("api"),
      now: () => new Date(),
      jwtSecret: new TextEncoder().encode(apiEnv.JWT_SECRET),
      apiKeySecret,
    });
    // An account with a key, written straight to the database (not through the proxy).
    const userId = newId("user");
    await env.db.db.insert(users).values({ id: userId, name: "Outage", email: "o@example.test" });
    const key = generateApiKey("test", apiKeySecret);
    await env.db.db.insert(apiKeys).values({
      id: newId("apiKey"),
      userId,
      name: "k",
      prefix: key.prefix,
      keyHash: key.hash,
      mode: "test",
      scopes: [...API_KEY_SCOPES],
    });
    await env.db.db.insert(whatsappSessions).values({
      id: newId("session"),
      userId,
      name: "default",
      mode: "test",
      driver: "simulator",
    });
    rawKey = key.raw;
    close = async () => {
      redis.disconnect();
      await dbClient.sql.end({ timeout: 1 });
    };
  });

  afterAll(async () => {
    await close?.();
    await Promise.all([pgProxy?.cut(), redisProxy?.cut()]);
  });

  const allUp = (r: { status: number }) => r.status === 200;

  it("is ready while both answer", async () => {
    const first = await eventually(() => readyz(app), allUp);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: "ready", checks: { postgres: "ok", redis: "ok" } });
  });

  it("answers 503 naming Postgres while it is down, and 200 once it is back", async () => {
    await pgProxy.cut();
    const down = await readyz(app);
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: "unavailable", checks: { postgres: "down", redis: "ok" } });
    expect(down.ms).toBeLessThan(READYZ_DEADLINE_MS);
    expect(await (await app.request("/metrics")).text()).toContain(
      'wagate_dependency_up{dependency="postgres",service="api"} 0',
    );

    await pgProxy.open();
    const back = await eventually(() => readyz(app), allUp);
    expect(back.status).toBe(200);
  });

  it("answers 503 naming Redis while it is down, and 200 once it is back", async () => {
    await redisProxy.cut();
    const down = await eventually(
      () => readyz(app),
      (r) => r.status === 503,
      READYZ_DEADLINE_MS,
    );
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: "unavailable", checks: { postgres: "ok", redis: "down" } });
    expect(down.ms).toBeLessThan(READYZ_DEADLINE_MS);

    await redisProxy.open();
    const back = await eventually(() => readyz(app), allUp);
    expect(back.status).toBe(200);
    expect(back.body.checks).toEqual({ postgres: "ok", redis: "ok" });
  });

  it("reports both when both are down", async () => {
    await Promise.all([pgProxy.cut(), redisProxy.cut()]);
    const down = await eventually(
      () => readyz(app),
      (r) => r.body.checks.redis === "down" && r.body.checks.postgres === "down",
      READYZ_DEADLINE_MS,
    );
    expect(down.status).toBe(503);
    expect(down.body.checks).toEqual({ postgres: "down", redis: "down" });
    await Promise.all([pgProxy.open(), redisProxy.open()]);
    expect((await eventually(() => readyz(app), allUp)).status).toBe(200);
  });

  it("answers 503 service_unavailable to requests, quickly, while a dependency is down", async () => {
    await redisProxy.cut();
    await eventually(
      () => readyz(app),
      (r) => r.status === 503,
      READYZ_DEADLINE_MS,
    );
    const started = Date.now();
    const send = await app.request("/api/v1/messages/send-text", {
      method: "POST",
      headers: { authorization: `ApiKey ${rawKey}`, "content-type": "application/json" },
      body: JSON.stringify({ to: "+213661234567", text: "hi" }),
    });
    expect(send.status).toBe(503);
    expect(send.headers.get("retry-after")).toBe("5");
    expect(((await send.json()) as { error: { code: string } }).error.code).toBe(
      "service_unavailable",
    );
    expect(Date.now() - started).toBeLessThan(READYZ_DEADLINE_MS);
    await redisProxy.open();
    await eventually(() => readyz(app), allUp);

    await pgProxy.cut();
    const login = await app.request("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "nobody@example.test", password: "long-enough-password" }),
    });
    expect(login.status).toBe(503);
    await pgProxy.open();
    expect((await eventually(() => readyz(app), allUp)).status).toBe(200);
  });
});
