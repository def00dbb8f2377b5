import { consumeQuota } from "@wagate/core";
import { auditLogs } from "@wagate/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, send, useTestApp } from "../../../test/harness.js";
import { expectAdminRouteSecurity, readBody } from "../../../test/security.js";

const t = useTestApp();
const tag = () => Math.random().toString(36).slice(2, 10);
/** An account route: answers 200 for a working key, 401 otherwise. */
const accountProbe = (key: string) =>
  send(t, "GET", "/api/v1/webhooks", { authorization: `ApiKey ${key}` });

describe("/api/v1/users", () => {
  it("creates (201) with defaults, and refuses a duplicate email (409)", async () => {
    const { headers, admin } = await adminHeaders(t, "admin");
    const email = `Acme-${tag()}@Example.test`;
    const res = await send(t, "POST", "/api/v1/users", headers, { name: "Acme", email });
    expect(res.status).toBe(201);
    const user = await readBody(res);
    expect(user).toMatchObject({
      name: "Acme",
      email: email.toLowerCase(),
      phone: null,
      is_active: true,
      max_messages_per_day: 1000,
      max_sessions: 1,
    });
    expect(user.id).toMatch(/^usr_/);
    expect(user.created_at).toMatch(/Z$/);
    const dup = await send(t, "POST", "/api/v1/users", headers, { name: "Other", email });
    expect(dup.status).toBe(409);
    const [audit] = await t.deps.db.select().from(auditLogs).where(eq(auditLogs.targetId, user.id));
    expect(audit).toMatchObject({ action: "user.create", actorId: admin.id });
  });

  it("validates the body (422 with details.fields)", async () => {
    const { headers } = await adminHeaders(t, "admin");
    const res = await send(t, "POST", "/api/v1/users", headers, {
      name: "",
      email: "nope",
      max_messages_per_day: -1,
      max_sessions: 1.5,
    });
    expect(res.status).toBe(422);
    const paths = (await readBody(res)).error.details.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining(["name", "email", "max_messages_per_day", "max_sessions"]),
    );
  });

  it("lists with search, is_active and phone filters and cursor pages", async () => {
    const { headers } = await adminHeaders(t, "viewer");
    const writer = await adminHeaders(t, "admin");
    const marker = tag();
    const made = [];
    for (const [i, phone] of ["+213661234567", "+213771234567", null].entries()) {
      const res = await send(t, "POST", "/api/v1/users", writer.headers, {
        name: `Shop ${marker} ${i}`,
        email: `shop${i}-${marker}@example.test`,
        phone,
      });
      made.push(await readBody(res));
    }
    await send(t, "POST", `/api/v1/users/${made[2].id}/deactivate`, writer.headers);

    const search = await readBody(await send(t, "GET", `/api/v1/users?search=${marker}`, headers));
    expect(search.data.map((u: { id: string }) => u.id)).toEqual(
      [...made].reverse().map((u) => u.id),
    );
    const byEmail = await readBody(
      await send(t, "GET", `/api/v1/users?search=SHOP1-${marker}`, headers),
    );
    expect(byEmail.data).toHaveLength(1);
    const inactive = await readBody(
      await send(t, "GET", `/api/v1/users?search=${marker}&is_active=false`, headers),
    );
    expect(inactive.data.map((u: { id: string }) => u.id)).toEqual([made[2].id]);
    const byPhone = await readBody(
      await send(t, "GET", "/api/v1/users?phone=%2B213%20771%20234%20567", headers),
    );
    expect(byPhone.data.map((u: { id: string }) => u.id)).toContain(made[1].id);
    const wildcard = await readBody(await send(t, "GET", "/api/v1/users?search=%25", headers));
    expect(wildcard.data).toHaveLength(0);

    const p1 = await readBody(
      await send(t, "GET", `/api/v1/users?search=${marker}&limit=2`, headers),
    );
    expect(p1.data).toHaveLength(2);
    const p2 = await readBody(
      await send(
        t,
        "GET",
        `/api/v1/users?search=${marker}&limit=2&cursor=${p1.next_cursor}`,
        headers,
      ),
    );
    expect(p2.data).toHaveLength(1);
    expect(p2.next_cursor).toBeNull();
    expect((await send(t, "GET", "/api/v1/users?limit=500", headers)).status).toBe(400);
  });

  it("GET /{id} carries today's live usage", async () => {
    const { headers } = await adminHeaders(t, "viewer");
    const account = await seedAccount(t, { maxMessagesPerDay: 10 });
    for (let i = 0; i < 3; i++) {
      await consumeQuota(t.deps.redis, t.deps.redisPrefix, {
        userId: account.userId,
        mode: "live",
        limit: 10,
        now: t.deps.now(),
        unitsUsed: async () => 0,
      });
    }
    await consumeQuota(t.deps.redis, t.deps.redisPrefix, {
      userId: account.userId,
      mode: "test",
      limit: 10,
      now: t.deps.now(),
      unitsUsed: async () => 0,
    });
    const res = await send(t, "GET", `/api/v1/users/${account.userId}`, headers);
    expect(res.status).toBe(200);
    expect(await readBody(res)).toMatchObject({
      id: account.userId,
      max_messages_per_day: 10,
      messages_today: 3,
      quota_remaining: 7,
    });
    expect((await send(t, "GET", "/api/v1/users/usr_nope", headers)).status).toBe(404);
  });

  it("GET /{id} shows today's usage of both modes", async () => {
    const { headers } = await adminHeaders(t, "viewer");
    const account = await seedAccount(t, { maxMessagesPerDay: 10 });
    for (const [mode, count] of [
      ["live", 2],
      ["test", 4],
    ] as const) {
      for (let i = 0; i < count; i++) {
        await consumeQuota(t.deps.redis, t.deps.redisPrefix, {
          userId: account.userId,
          mode,
          limit: 10,
          unitsUsed: async () => 0,
          now: t.deps.now(),
        });
      }
    }
    const body = await readBody(await send(t, "GET", `/api/v1/users/${account.userId}`, headers));
    expect(body).toMatchObject({
      messages_today: 2,
      quota_remaining: 8,
      usage_today: {
        live: { messages: 2, quota_remaining: 8 },
        test: { messages: 4, quota_remaining: 6 },
      },
    });
  });

  it("PATCH with {} or only unknown keys answers 200 with the account unchanged", async () => {
    const { headers } = await adminHeaders(t, "admin");
    const account = await seedAccount(t);
    const before = await readBody(await send(t, "GET", `/api/v1/users/${account.userId}`, headers));
    for (const body of [{}, { nickname: "x", color: 3 }]) {
      const res = await send(t, "PATCH", `/api/v1/users/${account.userId}`, headers, body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      const after = await readBody(res);
      for (const field of ["id", "name", "email", "phone", "max_messages_per_day", "updated_at"]) {
        expect(after[field], field).toEqual(before[field]);
      }
    }
    expect((await send(t, "PATCH", "/api/v1/users/usr_nope", headers, {})).status).toBe(404);
    expect((await accountProbe(account.rawKey)).status).toBe(200);
  });

  it("PATCH updates fields; deactivate → keys 401, activate → keys work again", async () => {
    const { headers } = await adminHeaders(t, "admin");
    const account = await seedAccount(t);
    expect((await accountProbe(account.rawKey)).status).toBe(200);

    const patched = await send(t, "PATCH", `/api/v1/users/${account.userId}`, headers, {
      max_messages_per_day: 5,
      name: "Renamed",
    });
    expect(patched.status).toBe(200);
    expect(await readBody(patched)).toMatchObject({ max_messages_per_day: 5, name: "Renamed" });

    const off = await send(t, "POST", `/api/v1/users/${account.userId}/deactivate`, headers);
    expect(off.status).toBe(200);
    expect((await readBody(off)).is_active).toBe(false);
    expect((await accountProbe(account.rawKey)).status).toBe(401);

    const on = await send(t, "POST", `/api/v1/users/${account.userId}/activate`, headers);
    expect((await readBody(on)).is_active).toBe(true);
    expect((await accountProbe(account.rawKey)).status).toBe(200);
    expect((await send(t, "PATCH", "/api/v1/users/usr_nope", headers, { name: "x" })).status).toBe(
      404,
    );
  });

  it("DELETE soft-deletes: 204, then 404, its keys 401, its email reusable", async () => {
    const { headers } = await adminHeaders(t, "admin");
    const account = await seedAccount(t);
    const before = await readBody(await send(t, "GET", `/api/v1/users/${account.userId}`, headers));
    expect((await accountProbe(account.rawKey)).status).toBe(200);
    expect((await send(t, "DELETE", `/api/v1/users/${account.userId}`, headers)).status).toBe(204);
    expect((await accountProbe(account.rawKey)).status).toBe(401);
    expect((await send(t, "GET", `/api/v1/users/${account.userId}`, headers)).status).toBe(404);
    const again = await send(t, "POST", "/api/v1/users", headers, {
      name: "Reborn",
      email: before.email,
    });
    expect(again.status).toBe(201);
  });

  describe("security", () => {
    const id = "usr_00000000000000000000000000";
    for (const route of [
      { method: "GET", path: "/api/v1/users", write: false },
      { method: "GET", path: `/api/v1/users/${id}`, write: false },
      { method: "POST", path: "/api/v1/users", write: true, body: { name: "n", email: "n@x.io" } },
      { method: "PATCH", path: `/api/v1/users/${id}`, write: true, body: { name: "n" } },
      { method: "DELETE", path: `/api/v1/users/${id}`, write: true },
      { method: "POST", path: `/api/v1/users/${id}/activate`, write: true },
      { method: "POST", path: `/api/v1/users/${id}/deactivate`, write: true },
    ] as const) {
      it(`${route.method} ${route.path}`, () => expectAdminRouteSecurity(t, route));
    }
  });
});
