import { auditLogs } from "@wagate/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { adminHeaders, seedAdmin, send, useTestApp } from "../../../test/harness.js";
import { expectAdminRouteSecurity, readBody } from "../../../test/security.js";

const t = useTestApp();
const newEmail = () => `new-${Math.random().toString(36).slice(2)}@example.test`;

describe("/api/v1/admins", () => {
  it("creates an admin (201), which can log in; audit row without the hash", async () => {
    const { headers, admin: actor } = await adminHeaders(t, "admin");
    const email = newEmail();
    const res = await send(t, "POST", "/api/v1/admins", headers, {
      email: email.toUpperCase(),
      password: "a-long-password-1",
      role: "viewer",
      phone: "+213 661-234-567",
    });
    expect(res.status).toBe(201);
    const body = await readBody(res);
    expect(body).toMatchObject({
      email,
      role: "viewer",
      phone: "+213661234567",
      is_active: true,
      locked_until: null,
    });
    expect(body.id).toMatch(/^adm_/);
    expect(body).not.toHaveProperty("password_hash");
    const login = await send(
      t,
      "POST",
      "/api/v1/auth/login",
      {},
      {
        email,
        password: "a-long-password-1",
      },
    );
    expect(login.status).toBe(200);

    const [audit] = await t.deps.db.select().from(auditLogs).where(eq(auditLogs.targetId, body.id));
    expect(audit).toMatchObject({ action: "admin.create", actorId: actor.id, actorType: "admin" });
    expect(JSON.stringify(audit)).not.toMatch(/argon2|a-long-password/);

    const dup = await send(t, "POST", "/api/v1/admins", headers, {
      email,
      password: "a-long-password-2",
      role: "viewer",
    });
    expect(dup.status).toBe(409);
    expect((await readBody(dup)).error.code).toBe("conflict");
  });

  it("validates: short password, bad email, bad role, bad phone → 422 with fields", async () => {
    const { headers } = await adminHeaders(t);
    const res = await send(t, "POST", "/api/v1/admins", headers, {
      email: "not-an-email",
      password: "short",
      role: "root",
      phone: "12",
    });
    expect(res.status).toBe(422);
    const paths = (await readBody(res)).error.details.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["email", "password", "role", "phone"]));
  });

  it("only an owner may create or modify an owner", async () => {
    const { headers } = await adminHeaders(t, "admin");
    const create = await send(t, "POST", "/api/v1/admins", headers, {
      email: newEmail(),
      password: "a-long-password-3",
      role: "owner",
    });
    expect(create.status).toBe(403);
    const owner = await seedAdmin(t, "owner");
    const patch = await send(t, "PATCH", `/api/v1/admins/${owner.id}`, headers, { phone: null });
    expect(patch.status).toBe(403);
    const del = await send(t, "DELETE", `/api/v1/admins/${owner.id}`, headers);
    expect(del.status).toBe(403);
    const promote = await seedAdmin(t, "viewer");
    const up = await send(t, "PATCH", `/api/v1/admins/${promote.id}`, headers, { role: "owner" });
    expect(up.status).toBe(403);
  });

  it("lists, gets, patches and deletes", async () => {
    const { headers } = await adminHeaders(t, "owner");
    const target = await seedAdmin(t, "viewer");
    const list = await send(t, "GET", "/api/v1/admins?limit=1", headers);
    expect(list.status).toBe(200);
    const page1 = await readBody(list);
    expect(page1.data).toHaveLength(1);
    expect(page1.next_cursor).toEqual(expect.any(String));
    const page2 = await readBody(
      await send(t, "GET", `/api/v1/admins?limit=1&cursor=${page1.next_cursor}`, headers),
    );
    expect(page2.data[0].id).not.toBe(page1.data[0].id);
    const viewers = await readBody(await send(t, "GET", "/api/v1/admins?role=viewer", headers));
    expect(viewers.data.every((a: { role: string }) => a.role === "viewer")).toBe(true);

    const got = await send(t, "GET", `/api/v1/admins/${target.id}`, headers);
    expect(await readBody(got)).toMatchObject({ id: target.id, role: "viewer" });

    const patched = await send(t, "PATCH", `/api/v1/admins/${target.id}`, headers, {
      role: "admin",
      phone: "+213661234567",
    });
    expect(patched.status).toBe(200);
    expect(await readBody(patched)).toMatchObject({ role: "admin", phone: "+213661234567" });

    expect((await send(t, "DELETE", `/api/v1/admins/${target.id}`, headers)).status).toBe(204);
    expect((await send(t, "GET", `/api/v1/admins/${target.id}`, headers)).status).toBe(404);
    expect((await send(t, "DELETE", `/api/v1/admins/${target.id}`, headers)).status).toBe(404);
    const login = await send(
      t,
      "POST",
      "/api/v1/auth/login",
      {},
      {
        email: target.email,
        password: target.password,
      },
    );
    expect(login.status).toBe(401);
  });

  it("PATCH with {} or only unknown keys answers 200 with the admin unchanged", async () => {
    const { headers } = await adminHeaders(t, "owner");
    const target = await seedAdmin(t, "viewer");
    const before = await readBody(await send(t, "GET", `/api/v1/admins/${target.id}`, headers));
    for (const body of [{}, { nickname: "x" }]) {
      const res = await send(t, "PATCH", `/api/v1/admins/${target.id}`, headers, body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(await readBody(res)).toEqual(before);
    }
    expect((await send(t, "PATCH", "/api/v1/admins/adm_nope", headers, {})).status).toBe(404);
  });

  it("a role change ends the target's access tokens", async () => {
    const owner = await adminHeaders(t, "owner");
    const target = await adminHeaders(t, "admin");
    await send(t, "PATCH", `/api/v1/admins/${target.admin.id}`, owner.headers, { role: "viewer" });
    expect((await send(t, "GET", "/api/v1/auth/me", target.headers)).status).toBe(401);
  });

  it("PATCH password resets it and ends the target's sessions", async () => {
    const owner = await adminHeaders(t, "owner");
    const target = await adminHeaders(t, "viewer");
    const res = await send(t, "PATCH", `/api/v1/admins/${target.admin.id}`, owner.headers, {
      password: "reset-by-the-owner",
    });
    expect(res.status).toBe(200);
    const refresh = await send(
      t,
      "POST",
      "/api/v1/auth/refresh",
      {},
      {
        refresh_token: target.tokens.refresh_token,
      },
    );
    expect(refresh.status).toBe(401);
    const login = await send(
      t,
      "POST",
      "/api/v1/auth/login",
      {},
      {
        email: target.admin.email,
        password: "reset-by-the-owner",
      },
    );
    expect(login.status).toBe(200);
  });

  it("an invalid cursor or id answers 400 / 404", async () => {
    const { headers } = await adminHeaders(t, "viewer");
    expect((await send(t, "GET", "/api/v1/admins?cursor=bad!", headers)).status).toBe(400);
    expect((await send(t, "GET", "/api/v1/admins/adm_nope", headers)).status).toBe(404);
    const owner = await adminHeaders(t, "owner");
    for (const [method, path, body] of [
      ["PATCH", "/api/v1/admins/adm_nope", { phone: null }],
      ["DELETE", "/api/v1/admins/adm_nope", undefined],
      ["POST", "/api/v1/admins/adm_nope/unlock", undefined],
    ] as const) {
      const res = await send(t, method, path, owner.headers, body);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });

  describe("security", () => {
    const id = "adm_00000000000000000000000000";
    for (const route of [
      { method: "GET", path: "/api/v1/admins", write: false },
      { method: "GET", path: `/api/v1/admins/${id}`, write: false },
      {
        method: "POST",
        path: "/api/v1/admins",
        write: true,
        body: { email: "x@example.test", password: "a-long-password", role: "viewer" },
      },
      { method: "PATCH", path: `/api/v1/admins/${id}`, write: true, body: { phone: null } },
      { method: "DELETE", path: `/api/v1/admins/${id}`, write: true },
      { method: "POST", path: `/api/v1/admins/${id}/unlock`, write: true },
    ] as const) {
      it(`${route.method} ${route.path}`, () => expectAdminRouteSecurity(t, route));
    }
  });
});
