import { auditLogs, refreshTokens } from "@wagate/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { adminHeaders, seedAdmin, send, useTestApp } from "../../../test/harness.js";
import { expectAdminRouteSecurity, readBody } from "../../../test/security.js";

const t = useTestApp();

const refresh = (token: string) =>
  send(t, "POST", "/api/v1/auth/refresh", {}, { refresh_token: token });

async function loginAs(email: string, password: string) {
  const res = await send(t, "POST", "/api/v1/auth/login", {}, { email, password });
  expect(res.status).toBe(200);
  return (await readBody(res)) as { access_token: string; refresh_token: string };
}

describe("POST /auth/refresh", () => {
  it("rotates: a new pair, and the old refresh token stops working", async () => {
    const { tokens, admin } = await adminHeaders(t, "admin");
    const first = await refresh(tokens.refresh_token);
    expect(first.status).toBe(200);
    const pair = await readBody(first);
    expect(pair).toMatchObject({ token_type: "Bearer", admin: { id: admin.id, role: "admin" } });
    expect(pair.refresh_token).not.toBe(tokens.refresh_token);

    const me = await send(t, "GET", "/api/v1/auth/me", {
      authorization: `Bearer ${pair.access_token}`,
    });
    expect(me.status).toBe(200);

    const rows = await t.deps.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.adminId, admin.id));
    const old = rows.find((r) => r.revokedReason === "rotated");
    const successor = rows.find((r) => r.revokedAt === null);
    expect(old?.replacedById).toBe(successor?.id);
    expect(old?.familyId).toBe(successor?.familyId);
    expect(rows.every((r) => r.tokenHash !== tokens.refresh_token)).toBe(true);
  });

  it("reuse of a rotated token revokes the whole family (401)", async () => {
    const { tokens } = await adminHeaders(t);
    const second = await readBody(await refresh(tokens.refresh_token));
    const replay = await refresh(tokens.refresh_token);
    expect(replay.status).toBe(401);
    expect((await readBody(replay)).error.code).toBe("unauthorized");
    // the legitimate successor is gone too
    expect((await refresh(second.refresh_token)).status).toBe(401);
  });

  it("two concurrent refreshes of one token: only one succeeds", async () => {
    const { tokens } = await adminHeaders(t);
    const results = await Promise.all([
      refresh(tokens.refresh_token),
      refresh(tokens.refresh_token),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("refuses unknown tokens, and tokens of a deleted admin", async () => {
    expect((await refresh("wrt_unknown")).status).toBe(401);
    const owner = await adminHeaders(t, "owner");
    const victim = await seedAdmin(t, "viewer");
    const pair = await loginAs(victim.email, victim.password);
    const del = await send(t, "DELETE", `/api/v1/admins/${victim.id}`, owner.headers);
    expect(del.status).toBe(204);
    expect((await refresh(pair.refresh_token)).status).toBe(401);
    const me = await send(t, "GET", "/api/v1/auth/me", {
      authorization: `Bearer ${pair.access_token}`,
    });
    expect(me.status).toBe(401);
  });

  it("a login lock does not end existing sessions", async () => {
    const admin = await seedAdmin(t, "viewer");
    const pair = await loginAs(admin.email, admin.password);
    for (let i = 0; i < 5; i++) {
      await send(
        t,
        "POST",
        "/api/v1/auth/login",
        {},
        { email: admin.email, password: "bad-guess-00" },
      );
    }
    expect((await refresh(pair.refresh_token)).status).toBe(200);
  });

  it("validates the body", async () => {
    const res = await send(t, "POST", "/api/v1/auth/refresh", {}, {});
    expect(res.status).toBe(422);
  });
});

describe("POST /auth/logout", () => {
  it("204, and that refresh token no longer works", async () => {
    const { tokens } = await adminHeaders(t);
    const res = await send(
      t,
      "POST",
      "/api/v1/auth/logout",
      {},
      {
        refresh_token: tokens.refresh_token,
      },
    );
    expect(res.status).toBe(204);
    expect((await refresh(tokens.refresh_token)).status).toBe(401);
    const again = await send(
      t,
      "POST",
      "/api/v1/auth/logout",
      {},
      {
        refresh_token: tokens.refresh_token,
      },
    );
    expect(again.status).toBe(204);
  });
});

describe("GET /auth/me", () => {
  it("answers the admin with last_login_at", async () => {
    const { headers, admin } = await adminHeaders(t, "viewer");
    const res = await send(t, "GET", "/api/v1/auth/me", headers);
    expect(res.status).toBe(200);
    const body = await readBody(res);
    expect(body).toMatchObject({ id: admin.id, email: admin.email, role: "viewer" });
    expect(body.last_login_at).toMatch(/Z$/);
    expect(body).not.toHaveProperty("password_hash");
  });

  it("is protected", () =>
    expectAdminRouteSecurity(t, { method: "GET", path: "/api/v1/auth/me", write: false }));
});

describe("POST /auth/change-password", () => {
  it("changes the password, revokes refresh tokens and earlier access tokens", async () => {
    const admin = await seedAdmin(t, "viewer");
    const otherSession = await loginAs(admin.email, admin.password);
    const session = await loginAs(admin.email, admin.password);
    const headers = { authorization: `Bearer ${session.access_token}` };
    const res = await send(t, "POST", "/api/v1/auth/change-password", headers, {
      current_password: admin.password,
      new_password: "a-brand-new-password",
    });
    expect(res.status).toBe(204);

    expect((await refresh(otherSession.refresh_token)).status).toBe(401);
    expect((await refresh(session.refresh_token)).status).toBe(401);
    expect((await send(t, "GET", "/api/v1/auth/me", headers)).status).toBe(401);
    const oldLogin = await send(
      t,
      "POST",
      "/api/v1/auth/login",
      {},
      {
        email: admin.email,
        password: admin.password,
      },
    );
    expect(oldLogin.status).toBe(401);
    const fresh = await loginAs(admin.email, "a-brand-new-password");
    const me = await send(t, "GET", "/api/v1/auth/me", {
      authorization: `Bearer ${fresh.access_token}`,
    });
    expect(me.status).toBe(200);
    expect((await readBody(me)).password_changed_at).not.toBeNull();
    const audit = await t.deps.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.action, "admin.change_password"));
    expect(audit.map((a) => a.targetId)).toContain(admin.id);
    expect(JSON.stringify(audit)).not.toContain("a-brand-new-password");
  });

  it("refuses a wrong current password and a short new one (422)", async () => {
    const { headers, admin } = await adminHeaders(t);
    const wrong = await send(t, "POST", "/api/v1/auth/change-password", headers, {
      current_password: "not-the-password",
      new_password: "another-long-password",
    });
    expect(wrong.status).toBe(422);
    expect((await readBody(wrong)).error.details.fields[0].path).toBe("current_password");
    const short = await send(t, "POST", "/api/v1/auth/change-password", headers, {
      current_password: admin.password,
      new_password: "short",
    });
    expect(short.status).toBe(422);
    expect((await readBody(short)).error.details.fields[0].path).toBe("new_password");
  });

  it("is protected (every role may change its own password)", () =>
    expectAdminRouteSecurity(t, {
      method: "POST",
      path: "/api/v1/auth/change-password",
      body: { current_password: "x", new_password: "yyyyyyyyyyyy" },
      write: false,
    }));
});
