import { generateApiKey } from "@wagate/core";
import { apiKeys, users } from "@wagate/db";
import { eq } from "drizzle-orm";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../src/app.js";
import { withApiState } from "../src/deps.js";
import { invalidateApiKeys, startApiKeyInvalidation } from "../src/domain/api-keys/cache.js";
import type { AppDeps } from "../src/lib/context.js";
import { mountProbe } from "./account-probe.js";
import { adminHeaders, seedAccount, useTestApp } from "./harness.js";

const t = useTestApp();
/**
 * How long a replica may take to drop a revoked key: well inside the key cache's 30 s TTL, so
 * only the invalidation message (not the entry expiring) can make it, yet generous enough for
 * a busy machine.
 */
const INVALIDATION_DEADLINE = { timeout: 15_000, interval: 20 };

/** A second replica over the same database and Redis, with its own key cache. */
let replica: { app: App; deps: AppDeps; stop: () => Promise<void> };
/** A third app whose keys may make 2 requests per second (4 per 2 s window). */
let slowApp: App;

beforeAll(async () => {
  mountProbe(t.app);
  const deps: AppDeps = withApiState({ ...t.deps });
  replica = { app: createApp(deps), deps, stop: await startApiKeyInvalidation(deps) };
  mountProbe(replica.app);
  slowApp = createApp({ ...t.deps, env: { ...t.deps.env, API_KEY_RATE_LIMIT_PER_SECOND: 2 } });
  mountProbe(slowApp);
});
afterAll(async () => {
  await replica?.stop();
});

const get = (app: App, headers: Record<string, string> = {}) =>
  app.request("/api/v1/_probe/items/itm_1", { headers });

async function expectUnauthorized(res: Response) {
  expect(res.status).toBe(401);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("unauthorized");
  // One message whatever the reason, so a caller learns nothing about the key.
  expect(body.error.message).toBe("missing or invalid API key");
}

describe("requireAccount", () => {
  it("accepts a valid key in Authorization: ApiKey or X-API-Key", async () => {
    const account = await seedAccount(t);
    const res = await get(t.app, account.headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: "itm_1", user_id: account.userId });
    expect((await get(t.app, { "x-api-key": account.rawKey })).status).toBe(200);
  });

  it("refuses a missing, malformed or unknown key with the same 401", async () => {
    await expectUnauthorized(await get(t.app));
    await expectUnauthorized(await get(t.app, { authorization: "ApiKey nope" }));
    await expectUnauthorized(await get(t.app, { authorization: "Basic dXNlcjpwdw==" }));
    await expectUnauthorized(await get(t.app, { "x-api-key": "wag_live_short" }));
    const { userId: _u, ...other } = await seedAccount(t);
    // Right shape, wrong checksum.
    const tampered = `${other.rawKey.slice(0, -1)}${other.rawKey.endsWith("A") ? "B" : "A"}`;
    await expectUnauthorized(await get(t.app, { "x-api-key": tampered }));
    const unknown = generateApiKey("live", t.deps.apiKeySecret).raw;
    await expectUnauthorized(await get(t.app, { authorization: `ApiKey ${unknown}` }));
    // The second attempt is answered from the negative cache, without the database.
    await expectUnauthorized(await get(t.app, { authorization: `ApiKey ${unknown}` }));
    const metrics = await (await t.app.request("/metrics")).text();
    expect(metrics).toMatch(/wagate_api_key_cache_total\{result="negative_hit"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/wagate_auth_failures_total\{kind="api_key",reason="malformed"/);
  });

  it("refuses an admin JWT on an account route", async () => {
    const jwt = await new SignJWT({ role: "owner", email: "a@example.test" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("adm_1")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(t.deps.jwtSecret);
    await expectUnauthorized(await get(t.app, { authorization: `Bearer ${jwt}` }));
  });

  it("refuses a revoked key", async () => {
    const account = await seedAccount(t);
    await t.deps.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(eq(apiKeys.id, account.keyId));
    await expectUnauthorized(await get(t.app, account.headers));
  });

  it("refuses a key once it expires (by the injected clock)", async () => {
    const account = await seedAccount(t, { expiresAt: new Date(t.clock.now.getTime() + 3600_000) });
    expect((await get(t.app, account.headers)).status).toBe(200);
    const before = t.clock.now;
    t.clock.now = new Date(before.getTime() + 2 * 3600_000);
    try {
      await expectUnauthorized(await get(t.app, account.headers));
    } finally {
      t.clock.now = before;
    }
  });

  it("keeps answering from its cache until invalidated, then refuses at once", async () => {
    const account = await seedAccount(t);
    expect((await get(replica.app, account.headers)).status).toBe(200);
    await t.deps.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(eq(apiKeys.id, account.keyId));
    // No database read per request: the replica still trusts its cached entry...
    expect((await get(replica.app, account.headers)).status).toBe(200);
    // ...until the invalidation published by another replica arrives.
    await invalidateApiKeys(t.deps, { keyIds: [account.keyId] });
    await expect
      .poll(async () => (await get(replica.app, account.headers)).status, INVALIDATION_DEADLINE)
      .toBe(401);
  });

  it("refuses keys of a deactivated or deleted account as soon as it is invalidated", async () => {
    const inactive = await seedAccount(t);
    const deleted = await seedAccount(t);
    expect((await get(t.app, inactive.headers)).status).toBe(200);
    expect((await get(t.app, deleted.headers)).status).toBe(200);
    await t.deps.db.update(users).set({ isActive: false }).where(eq(users.id, inactive.userId));
    await invalidateApiKeys(t.deps, { userId: inactive.userId });
    await t.deps.db
      .update(users)
      .set({ deletedAt: new Date() })
      .where(eq(users.id, deleted.userId));
    await invalidateApiKeys(t.deps, { userId: deleted.userId });
    await expectUnauthorized(await get(t.app, inactive.headers));
    await expectUnauthorized(await get(t.app, deleted.headers));
  });

  it("answers 403 forbidden when the key lacks the route's scope", async () => {
    const account = await seedAccount(t, { scopes: ["messages:read"] });
    const res = await t.app.request("/api/v1/_probe/send", {
      method: "POST",
      headers: account.headers,
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
  });

  it("a revoke through one replica reaches another before its cache entry expires", async () => {
    const { headers: admin } = await adminHeaders(t);
    const account = await seedAccount(t);
    expect((await get(replica.app, account.headers)).status).toBe(200);
    // Revoke through the real admin route on the first replica.
    const revoked = await t.app.request(`/api/v1/api-keys/${account.keyId}`, {
      method: "DELETE",
      headers: admin,
    });
    expect(revoked.status).toBe(204);
    await expectUnauthorized(await get(t.app, account.headers));
    await expect
      .poll(async () => (await get(replica.app, account.headers)).status, INVALIDATION_DEADLINE)
      .toBe(401);
  });

  it("rate-limits each key: 429 rate_limited with Retry-After", async () => {
    const account = await seedAccount(t);
    const other = await seedAccount(t);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => get(slowApp, account.headers)),
    );
    const limited = answers.filter((res) => res.status === 429);
    expect(answers.filter((res) => res.status === 200).length).toBeGreaterThanOrEqual(4);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await limited[0]!.json()) as { error: { code: string } };
    expect(body.error.code).toBe("rate_limited");
    // Another key has its own budget.
    expect((await get(slowApp, other.headers)).status).toBe(200);
  });
});
