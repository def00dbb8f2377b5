import { API_KEY_SCOPES } from "@wagate/contracts";
import { apiKeys, auditLogs } from "@wagate/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, send, useTestApp } from "../../../test/harness.js";
import { expectAdminRouteSecurity, readBody } from "../../../test/security.js";

const t = useTestApp();
const accountProbe = (key: string) =>
  send(t, "GET", "/api/v1/webhooks", { authorization: `ApiKey ${key}` });

describe("/api/v1/api-keys", () => {
  it("creates a key (201) shown once, which then works on account routes", async () => {
    const { headers, admin } = await adminHeaders(t, "admin");
    const account = await seedAccount(t);
    const res = await send(t, "POST", "/api/v1/api-keys", headers, {
      user_id: account.userId,
      name: "production",
      mode: "live",
    });
    expect(res.status).toBe(201);
    const key = await readBody(res);
    expect(key).toMatchObject({
      user_id: account.userId,
      name: "production",
      mode: "live",
      scopes: [...API_KEY_SCOPES],
      is_active: true,
      expires_at: null,
      last_used_at: null,
    });
    expect(key.key).toMatch(/^wag_live_/);
    expect(key.key.startsWith(key.prefix)).toBe(true);
    expect((await accountProbe(key.key)).status).toBe(200);

    const got = await send(t, "GET", `/api/v1/api-keys/${key.id}`, headers);
    const text = await got.text();
    expect(got.status).toBe(200);
    expect(text).not.toContain(key.key);
    const [row] = await t.deps.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(text).not.toContain(row!.keyHash);
    expect(JSON.parse(text)).not.toHaveProperty("key");

    const [audit] = await t.deps.db.select().from(auditLogs).where(eq(auditLogs.targetId, key.id));
    expect(audit).toMatchObject({ action: "api_key.create", actorId: admin.id });
    expect(JSON.stringify(audit)).not.toContain(key.key);
  });

  it("honours scopes and expires_at; refuses a past expiry, an unknown account, bad scopes (422)", async () => {
    const { headers } = await adminHeaders(t, "owner");
    const account = await seedAccount(t);
    const future = new Date(t.deps.now().getTime() + 86_400_000).toISOString();
    const ok = await send(t, "POST", "/api/v1/api-keys", headers, {
      user_id: account.userId,
      name: "reader",
      mode: "test",
      scopes: ["messages:read"],
      expires_at: future,
    });
    expect(ok.status).toBe(201);
    expect(await readBody(ok)).toMatchObject({
      scopes: ["messages:read"],
      expires_at: future,
      mode: "test",
    });

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ expires_at: new Date(t.deps.now().getTime() - 1000).toISOString() }, "expires_at"],
      [{ user_id: "usr_00000000000000000000000000" }, "user_id"],
      [{ scopes: ["everything"] }, "scopes.0"],
      [{ mode: "prod" }, "mode"],
      [{ name: "" }, "name"],
    ];
    for (const [patch, field] of cases) {
      const res = await send(t, "POST", "/api/v1/api-keys", headers, {
        user_id: account.userId,
        name: "k",
        mode: "live",
        ...patch,
      });
      expect({ field, status: res.status }).toEqual({ field, status: 422 });
      const paths = (await readBody(res)).error.details.fields.map((f: { path: string }) => f.path);
      expect(paths).toContain(field);
    }
  });

  it("lists with the user_id filter; expired keys read is_active false", async () => {
    const { headers } = await adminHeaders(t, "viewer");
    const a = await seedAccount(t);
    const b = await seedAccount(t, { expiresAt: new Date(t.deps.now().getTime() + 1000) });
    const list = await readBody(
      await send(t, "GET", `/api/v1/api-keys?user_id=${a.userId}`, headers),
    );
    expect(list.data.map((k: { id: string }) => k.id)).toEqual([a.keyId]);
    expect(list.data[0]).not.toHaveProperty("key");

    const saved = t.clock.now;
    t.clock.now = new Date(saved.getTime() + 5000);
    try {
      const got = await readBody(await send(t, "GET", `/api/v1/api-keys/${b.keyId}`, headers));
      expect(got.is_active).toBe(false);
    } finally {
      t.clock.now = saved;
    }
    const all = await readBody(await send(t, "GET", "/api/v1/api-keys?limit=1", headers));
    expect(all.data).toHaveLength(1);
    expect(all.next_cursor).toEqual(expect.any(String));
  });

  it("DELETE revokes (204): the key answers 401 at once; 404 for unknown ids", async () => {
    const { headers, admin } = await adminHeaders(t, "admin");
    const account = await seedAccount(t);
    expect((await accountProbe(account.rawKey)).status).toBe(200);
    expect((await send(t, "DELETE", `/api/v1/api-keys/${account.keyId}`, headers)).status).toBe(
      204,
    );
    expect((await accountProbe(account.rawKey)).status).toBe(401);
    const got = await readBody(await send(t, "GET", `/api/v1/api-keys/${account.keyId}`, headers));
    expect(got).toMatchObject({ is_active: false, revoked_at: expect.any(String) });
    expect((await send(t, "DELETE", `/api/v1/api-keys/${account.keyId}`, headers)).status).toBe(
      204,
    );
    expect((await send(t, "DELETE", "/api/v1/api-keys/key_nope", headers)).status).toBe(404);
    expect((await send(t, "GET", "/api/v1/api-keys/key_nope", headers)).status).toBe(404);
    const audits = await t.deps.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.targetId, account.keyId));
    expect(audits.map((a) => [a.action, a.actorId])).toEqual([["api_key.revoke", admin.id]]);
  });

  describe("security", () => {
    const id = "key_00000000000000000000000000";
    for (const route of [
      { method: "GET", path: "/api/v1/api-keys", write: false },
      { method: "GET", path: `/api/v1/api-keys/${id}`, write: false },
      {
        method: "POST",
        path: "/api/v1/api-keys",
        write: true,
        body: { user_id: "usr_00000000000000000000000000", name: "k", mode: "test" },
      },
      { method: "DELETE", path: `/api/v1/api-keys/${id}`, write: true },
    ] as const) {
      it(`${route.method} ${route.path}`, () => expectAdminRouteSecurity(t, route));
    }
  });
});
