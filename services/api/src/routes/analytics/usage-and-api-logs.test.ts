import { apiLogs, newId, usageStats, users } from "@wagate/db";
import { beforeAll, describe, expect, it } from "vitest";
import { seedAccount, useTestApp } from "../../../test/harness.js";
import { expectAdminRouteSecurity } from "../../../test/security.js";
import { bearer, collectPages, getJson } from "./analytics-test-helpers.js";

const t = useTestApp();
let headers: Record<string, string>;
const accounts: string[] = [];
const HOUR = 3600 * 1000;
// The request log records this file's own calls (at the test clock's now, route
// /api/v1/analytics/...); assertions look only at the rows seeded below.
const seeded = (rows: Array<Record<string, unknown>>) =>
  rows.filter((row) => !String(row.route).startsWith("/api/v1/analytics"));

beforeAll(async () => {
  ({ headers } = await bearer(t, "viewer"));
  for (const name of ["a", "b"]) {
    const id = newId("user");
    await t.deps.db.insert(users).values({ id, name, email: `${name}-${id}@example.test` });
    accounts.push(id);
  }
  // Three days per account; values encode account and day so rows are recognisable.
  for (const [i, userId] of accounts.entries()) {
    for (const day of ["2026-03-01", "2026-03-02", "2026-03-03"]) {
      await t.deps.db.insert(usageStats).values({
        id: newId("usageStat"),
        userId,
        date: day,
        messagesSent: 100 * (i + 1) + Number(day.slice(-1)),
        messagesFailed: i,
        mediaSent: 1,
        apiRequests: 7,
      });
    }
  }
  // api_logs: two recent rows per account, one 30 h old, plus an unauthenticated 401.
  const now = t.clock.now.getTime();
  const log = (userId: string | null, agoMs: number, extra: Partial<typeof apiLogs.$inferInsert>) =>
    t.deps.db.insert(apiLogs).values({
      id: newId("apiLog", now - agoMs),
      userId,
      method: "POST",
      route: "/api/v1/messages/send-text",
      statusCode: 202,
      durationMs: 12,
      createdAt: new Date(now - agoMs),
      ...extra,
    });
  await log(accounts[0]!, 30 * HOUR, {});
  await log(accounts[0]!, 3 * HOUR, {});
  await log(accounts[1]!, 2 * HOUR, { method: "GET", route: "/api/v1/messages", statusCode: 200 });
  await log(accounts[0]!, 1 * HOUR, { statusCode: 429 });
  await log(null, 0.5 * HOUR, { statusCode: 401 });
});

describe("GET /api/v1/analytics/usage-stats", () => {
  it("lists rows newest day first with the documented fields", async () => {
    const res = await getJson(t, "/api/v1/analytics/usage-stats", headers);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(6);
    expect(res.body.data.map((r) => r.date)).toEqual([
      "2026-03-03",
      "2026-03-03",
      "2026-03-02",
      "2026-03-02",
      "2026-03-01",
      "2026-03-01",
    ]);
    expect(res.body.data).toContainEqual({
      user_id: accounts[1],
      date: "2026-03-02",
      messages_sent: 202,
      messages_failed: 1,
      media_sent: 1,
      api_requests: 7,
    });
    expect(res.body.next_cursor).toBeNull();
  });

  it("filters by account and by an inclusive day range", async () => {
    const res = await getJson(
      t,
      `/api/v1/analytics/usage-stats?user_id=${accounts[0]}&from=2026-03-02&to=2026-03-03`,
      headers,
    );
    expect(res.body.data.map((r) => [r.user_id, r.date, r.messages_sent])).toEqual([
      [accounts[0], "2026-03-03", 103],
      [accounts[0], "2026-03-02", 102],
    ]);
  });

  it("pages through every row exactly once", async () => {
    const { seen, pages } = await collectPages(
      t,
      "/api/v1/analytics/usage-stats?limit=4",
      headers,
      "messages_sent",
    );
    expect(pages).toBe(2);
    expect([...seen].sort()).toEqual([101, 102, 103, 201, 202, 203]);
  });

  it("refuses bad dates, reversed ranges and forged cursors with 400", async () => {
    for (const query of [
      "from=2026-13-01",
      "from=2026-03-03&to=2026-03-01",
      "cursor=bm9wZQ",
      "limit=500",
    ]) {
      const res = await getJson<{ error: { code: string } }>(
        t,
        `/api/v1/analytics/usage-stats?${query}`,
        headers,
      );
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });
});

describe("GET /api/v1/analytics/api-logs", () => {
  it("defaults to the last 24 hours, newest first", async () => {
    const res = await getJson(t, "/api/v1/analytics/api-logs", headers);
    expect(res.status).toBe(200);
    const rows = seeded(res.body.data);
    expect(rows.map((r) => r.status_code)).toEqual([401, 429, 200, 202]);
    expect(rows[0]).toMatchObject({
      user_id: null,
      method: "POST",
      route: "/api/v1/messages/send-text",
      duration_ms: 12,
    });
    expect(rows[0]!.created_at).toMatch(/Z$/);
  });

  it("reaches older rows with an explicit since, and bounds them with until", async () => {
    const since = new Date(t.clock.now.getTime() - 48 * HOUR).toISOString();
    const until = new Date(t.clock.now.getTime() - 2.5 * HOUR).toISOString();
    const all = await getJson(t, `/api/v1/analytics/api-logs?since=${since}`, headers);
    expect(seeded(all.body.data)).toHaveLength(5);
    const bounded = await getJson(
      t,
      `/api/v1/analytics/api-logs?since=${since}&until=${until}`,
      headers,
    );
    expect(bounded.body.data.map((r) => r.status_code)).toEqual([202, 202]);
    // Without since, the window is the 24 h before until: the 30 h old row stays out.
    const untilOnly = await getJson(t, `/api/v1/analytics/api-logs?until=${until}`, headers);
    expect(untilOnly.body.data.map((r) => r.status_code)).toEqual([202]);
  });

  it("filters by account, method (any case), status code and route", async () => {
    const q = (query: string) => getJson(t, `/api/v1/analytics/api-logs?${query}`, headers);
    expect((await q(`user_id=${accounts[0]}`)).body.data).toHaveLength(2);
    expect(seeded((await q("method=get")).body.data).map((r) => r.user_id)).toEqual([accounts[1]]);
    expect((await q("status_code=429")).body.data).toHaveLength(1);
    expect((await q("route=/api/v1/messages")).body.data).toHaveLength(1);
    expect((await q(`user_id=${accounts[0]}&status_code=202`)).body.data).toHaveLength(1);
  });

  it("pages newest first without repeats", async () => {
    const since = new Date(t.clock.now.getTime() - 48 * HOUR).toISOString();
    const until = new Date(t.clock.now.getTime() - 60_000).toISOString();
    const { seen, pages } = await collectPages(
      t,
      `/api/v1/analytics/api-logs?limit=2&since=${since}&until=${until}`,
      headers,
      "status_code",
    );
    expect(pages).toBe(3);
    expect(seen).toEqual([401, 429, 200, 202, 202]);
  });

  it("refuses an empty window and a bad status code", async () => {
    const now = t.clock.now.toISOString();
    expect(
      (await getJson(t, `/api/v1/analytics/api-logs?since=${now}&until=${now}`, headers)).status,
    ).toBe(400);
    expect((await getJson(t, "/api/v1/analytics/api-logs?status_code=99", headers)).status).toBe(
      400,
    );
    expect((await getJson(t, "/api/v1/analytics/api-logs?since=yesterday", headers)).status).toBe(
      400,
    );
  });
});

describe("analytics security", () => {
  it("requires an admin bearer token; an API key or nothing is 401", async () => {
    const account = await seedAccount(t);
    const roles = await Promise.all(
      (["viewer", "admin", "owner"] as const).map((r) => bearer(t, r)),
    );
    for (const path of ["usage-stats", "api-logs", "summary", "login-history", "audit-logs"]) {
      const url = `/api/v1/analytics/${path}`;
      expect((await t.app.request(url)).status, url).toBe(401);
      expect((await t.app.request(url, { headers: account.headers })).status, url).toBe(401);
      expect((await t.app.request(url, { headers: { "x-api-key": account.rawKey } })).status).toBe(
        401,
      );
      expect((await t.app.request(url, { headers: { authorization: "Bearer nope" } })).status).toBe(
        401,
      );
      for (const { admin, headers: roleHeaders } of roles) {
        expect(
          (await t.app.request(url, { headers: roleHeaders })).status,
          `${url} ${admin.role}`,
        ).toBe(200);
      }
    }
  });

  it("passes the shared admin-route security cases (forged, expired, alg:none, refresh tokens...)", async () => {
    for (const path of ["usage-stats", "api-logs", "summary", "login-history", "audit-logs"]) {
      await expectAdminRouteSecurity(t, {
        method: "GET",
        path: `/api/v1/analytics/${path}`,
        write: false,
      });
    }
  });

  it("documents every analytics route in the OpenAPI document with admin security", async () => {
    const doc = (await (await t.app.request("/api/v1/openapi.json")).json()) as {
      paths: Record<string, { get?: { security?: unknown } }>;
    };
    for (const path of ["usage-stats", "api-logs", "summary", "login-history", "audit-logs"]) {
      expect(doc.paths[`/api/v1/analytics/${path}`]?.get?.security).toEqual([{ AdminBearer: [] }]);
    }
  });
});
