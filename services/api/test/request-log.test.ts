import { apiKeys, apiLogs, createDb } from "@wagate/db";
import { eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { flushKeyUsage } from "../src/domain/api-keys/verify.js";
import { ApiLogWriter, getApiLogWriter } from "../src/middleware/request-log.js";
import { mountProbe } from "./account-probe.js";
import { seedAccount, useTestApp } from "./harness.js";

const t = useTestApp();

beforeAll(() => {
  mountProbe(t.app);
});

async function logsFor(requestIds: string[]) {
  await getApiLogWriter(t.deps).flush();
  return t.deps.db.select().from(apiLogs).where(inArray(apiLogs.requestId, requestIds));
}

describe("request log", () => {
  it("records each API request with its route pattern and no key material", async () => {
    const account = await seedAccount(t);
    const ok = await t.app.request("/api/v1/_probe/items/itm_SeCrEt42", {
      headers: account.headers,
    });
    const refused = await t.app.request("/api/v1/_probe/items/itm_SeCrEt42");
    const missing = await t.app.request("/api/v1/no/such/path/xyz");
    expect([ok.status, refused.status, missing.status]).toEqual([200, 401, 404]);
    const ids = [ok, refused, missing].map((res) => res.headers.get("x-request-id")!);
    const rows = await logsFor(ids);
    expect(rows).toHaveLength(3);
    const byId = new Map(rows.map((row) => [row.requestId, row]));
    expect(byId.get(ids[0]!)).toMatchObject({
      userId: account.userId,
      apiKeyId: account.keyId,
      method: "GET",
      route: "/api/v1/_probe/items/:id",
      statusCode: 200,
    });
    expect(byId.get(ids[0]!)!.durationMs).toBeGreaterThanOrEqual(0);
    expect(byId.get(ids[1]!)).toMatchObject({
      userId: null,
      apiKeyId: null,
      route: "/api/v1/_probe/items/:id",
      statusCode: 401,
    });
    expect(byId.get(ids[2]!)).toMatchObject({ route: "unmatched", statusCode: 404 });
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(account.rawKey);
    expect(stored).not.toContain(account.rawKey.slice(9, 30));
    expect(stored).not.toContain("SeCrEt42");
  });

  it("exposes HTTP metrics by route pattern, never by raw path", async () => {
    const account = await seedAccount(t);
    await t.app.request("/api/v1/_probe/items/itm_raw_path_1", { headers: account.headers });
    const text = await (await t.app.request("/metrics")).text();
    expect(text).toMatch(
      /wagate_http_requests_total\{method="GET",route="\/api\/v1\/_probe\/items\/:id",status="200"/,
    );
    expect(text).toContain("wagate_http_request_duration_seconds_bucket{");
    expect(text).toContain('wagate_api_key_cache_total{result="miss"');
    expect(text).toContain("wagate_api_logs_dropped_total");
    expect(text).not.toContain("itm_raw_path_1");
  });

  it("writes last_used_at in one batched update, not per request", async () => {
    const account = await seedAccount(t);
    await t.app.request("/api/v1/_probe/items/itm_1", { headers: account.headers });
    const read = async () =>
      (await t.deps.db.select().from(apiKeys).where(eq(apiKeys.id, account.keyId)))[0]!.lastUsedAt;
    expect(await read()).toBeNull();
    expect(await flushKeyUsage(t.deps)).toBeGreaterThanOrEqual(1);
    expect((await read())?.toISOString()).toBe(t.clock.now.toISOString());
  });

  it("keeps a bounded buffer and never throws when Postgres is down", async () => {
    const down = createDb("postgres://postgres@127.0.0.1:1/nowhere", { max: 1 });
    const deps = { ...t.deps, db: down.db, sql: down.sql };
    const writer = new ApiLogWriter(deps, { batchSize: 100, maxBuffered: 3 });
    const row = (n: number) => ({
      id: `log_TEST${String(n).padStart(22, "0")}`,
      method: "GET",
      route: "/x",
      statusCode: 200,
      durationMs: 1,
    });
    for (let n = 0; n < 5; n++) writer.record(row(n));
    expect(writer.buffered).toBe(3);
    await writer.flush();
    expect(writer.buffered).toBe(3);
    await down.close().catch(() => {});
    const text = await (await t.app.request("/metrics")).text();
    expect(text).toMatch(/wagate_api_logs_dropped_total\{[^}]*\} 2/);
    // Over a healthy database a writer drains its whole buffer in batches.
    const healthy = new ApiLogWriter(t.deps, { batchSize: 2, maxBuffered: 10 });
    for (let n = 10; n < 15; n++) healthy.record(row(n));
    await healthy.flush();
    expect(healthy.buffered).toBe(0);
    const written = await t.deps.db
      .select()
      .from(apiLogs)
      .where(
        inArray(
          apiLogs.id,
          [10, 11, 12, 13, 14].map((n) => row(n).id),
        ),
      );
    expect(written).toHaveLength(5);
  });
});
