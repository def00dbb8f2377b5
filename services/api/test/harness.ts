import { randomBytes } from "node:crypto";
import type { AdminRole, ApiKeyScope, KeyMode } from "@wagate/contracts";
import { API_KEY_SCOPES } from "@wagate/contracts";
import { createLogger, createMetricsRegistry, generateApiKey } from "@wagate/core";
import { admins, apiKeys, newId, users } from "@wagate/db";
import { TEST_PASSWORD_COST_ENV, type TestEnv, useTestEnv } from "@wagate/testkit";
import { afterAll, beforeAll } from "vitest";
import { type App, createApp } from "../src/app.js";
import { withApiState } from "../src/deps.js";
import { hashPassword, passwordCostOf } from "../src/domain/auth/passwords.js";
import { type ApiEnv, parseApiEnv } from "../src/env.js";
import type { AppDeps } from "../src/lib/context.js";
import { type Background, startBackground } from "../src/startup.js";

export interface TestApp {
  env: TestEnv;
  app: App;
  deps: AppDeps;
  /** Moves the injected clock; `deps.now()` returns this. */
  clock: { now: Date };
}

/**
 * Registers hooks that give this test file a real API over its own database and Redis
 * prefix, with an injectable clock. Fields are filled in by beforeAll.
 */
export function useTestApp(overrides: Record<string, string> = {}): TestApp {
  const env = useTestEnv();
  const t = { env, clock: { now: new Date() } } as TestApp;
  let background: Background | undefined;
  beforeAll(async () => {
    const apiEnv: ApiEnv = parseApiEnv({
      NODE_ENV: "test",
      DATABASE_URL: env.db.url,
      REDIS_URL: env.redis.url,
      REDIS_PREFIX: env.redis.prefix,
      LOG_LEVEL: "silent",
      JWT_SECRET: randomBytes(32).toString("hex"),
      WEBHOOK_ALLOW_PRIVATE: "true",
      ...TEST_PASSWORD_COST_ENV,
      ...overrides,
    });
    t.clock.now = new Date();
    t.deps = withApiState({
      env: apiEnv,
      db: env.db.db,
      sql: env.db.sql,
      redis: env.redis.redis,
      redisPrefix: env.redis.prefix,
      logger: createLogger("api-test", "silent"),
      registry: createMetricsRegistry("api"),
      now: () => new Date(t.clock.now.getTime()),
      jwtSecret: new TextEncoder().encode(apiEnv.JWT_SECRET),
      apiKeySecret: randomBytes(32),
    });
    background = await startBackground(t.deps);
    t.app = createApp(t.deps);
  });
  afterAll(async () => {
    await background?.stop();
  });
  return t;
}

let seq = 0;
const unique = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;

/** Inserts an admin directly (argon2id hash at the test cost); returns its id, email and password. */
export async function seedAdmin(
  t: TestApp,
  role: AdminRole = "owner",
  extra: { phone?: string } = {},
) {
  const email = `admin-${unique()}@example.test`;
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const id = newId("admin");
  await t.deps.db.insert(admins).values({
    id,
    email,
    role,
    passwordHash: await hashPassword(password, passwordCostOf(t.deps.env)),
    phone: extra.phone ?? null,
  });
  return { id, email, password, role };
}

/** Seeds an admin of `role` and logs in through the real route; returns the bearer headers. */
export async function adminHeaders(t: TestApp, role: AdminRole = "owner") {
  const admin = await seedAdmin(t, role);
  const res = await t.app.request("/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { access_token: string; refresh_token: string };
  return {
    admin,
    tokens: body,
    headers: { authorization: `Bearer ${body.access_token}`, "content-type": "application/json" },
  };
}

export interface SeedAccountOptions {
  mode?: KeyMode;
  scopes?: ApiKeyScope[];
  maxMessagesPerDay?: number;
  maxSessions?: number;
  expiresAt?: Date | null;
}

/** Inserts an account and one API key directly; returns the raw key and ready headers. */
export async function seedAccount(t: TestApp, options: SeedAccountOptions = {}) {
  const userId = newId("user");
  await t.deps.db.insert(users).values({
    id: userId,
    name: `Account ${unique()}`,
    email: `acct-${unique()}@example.test`,
    maxMessagesPerDay: options.maxMessagesPerDay ?? 1000,
    maxSessions: options.maxSessions ?? 2,
  });
  const mode = options.mode ?? "test";
  const key = generateApiKey(mode, t.deps.apiKeySecret);
  const keyId = newId("apiKey");
  await t.deps.db.insert(apiKeys).values({
    id: keyId,
    userId,
    name: "test key",
    prefix: key.prefix,
    keyHash: key.hash,
    mode,
    scopes: options.scopes ?? [...API_KEY_SCOPES],
    expiresAt: options.expiresAt ?? null,
  });
  return {
    userId,
    keyId,
    rawKey: key.raw,
    headers: { authorization: `ApiKey ${key.raw}`, "content-type": "application/json" },
  };
}

/** `app.request` with a JSON body. */
export function send(
  t: TestApp,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  return t.app.request(path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
