import { admins, auditLogs, loginHistory } from "@wagate/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { adminHeaders, seedAdmin, send, useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";

const t = useTestApp({ LOGIN_MAX_FAILURES: "5", LOGIN_LOCK_MINUTES: "15" });

const login = (email: string, password: string, headers: Record<string, string> = {}) =>
  send(
    t,
    "POST",
    "/api/v1/auth/login",
    { "user-agent": "vitest-agent", ...headers },
    {
      email,
      password,
    },
  );

describe("POST /auth/login", () => {
  it("returns a token pair and records the attempt", async () => {
    const admin = await seedAdmin(t, "admin");
    const res = await login(admin.email.toUpperCase(), admin.password);
    expect(res.status).toBe(200);
    const body = await readBody(res);
    expect(body).toMatchObject({
      token_type: "Bearer",
      expires_in: 900,
      admin: { id: admin.id, email: admin.email, role: "admin" },
    });
    expect(body.access_token.split(".")).toHaveLength(3);
    expect(body.refresh_token.length).toBeGreaterThanOrEqual(43);

    const me = await send(t, "GET", "/api/v1/auth/me", {
      authorization: `Bearer ${body.access_token}`,
    });
    expect(me.status).toBe(200);
    expect(await readBody(me)).toMatchObject({ id: admin.id, email: admin.email, role: "admin" });

    const history = await t.deps.db
      .select()
      .from(loginHistory)
      .where(eq(loginHistory.adminId, admin.id));
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ success: true, reason: "ok", userAgent: "vitest-agent" });
  });

  it("refuses a wrong password and an unknown email alike (401) and records both", async () => {
    const admin = await seedAdmin(t);
    const wrong = await login(admin.email, "definitely-wrong");
    expect(wrong.status).toBe(401);
    expect((await readBody(wrong)).error.code).toBe("unauthorized");
    const unknown = await login("nobody-here@example.test", "whatever-password");
    expect(unknown.status).toBe(401);
    const rows = await t.deps.db.select().from(loginHistory);
    expect(rows.find((r) => r.adminId === admin.id)).toMatchObject({
      success: false,
      reason: "bad_password",
    });
    expect(rows.find((r) => r.email === "nobody-here@example.test")).toMatchObject({
      success: false,
      reason: "unknown_email",
      adminId: null,
    });
  });

  it("validates the body (422 with details.fields)", async () => {
    const res = await send(t, "POST", "/api/v1/auth/login", {}, { email: "a@b.c" });
    expect(res.status).toBe(422);
    const body = await readBody(res);
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.fields.map((f: { path: string }) => f.path)).toContain("password");
  });

  it("locks after 5 consecutive failures (423 even with the right password) until it expires", async () => {
    const admin = await seedAdmin(t);
    for (let i = 1; i <= 4; i++) {
      expect((await login(admin.email, `wrong-${i}-password`)).status).toBe(401);
    }
    const fifth = await login(admin.email, "wrong-5-password");
    expect(fifth.status).toBe(423);
    const locked = await login(admin.email, admin.password);
    expect(locked.status).toBe(423);
    const body = await readBody(locked);
    expect(body.error.code).toBe("account_locked");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(800);
    const reasons = (
      await t.deps.db.select().from(loginHistory).where(eq(loginHistory.adminId, admin.id))
    ).map((r) => r.reason);
    expect(reasons.filter((r) => r === "bad_password")).toHaveLength(5);
    expect(reasons).toContain("locked");

    const saved = t.clock.now;
    try {
      t.clock.now = new Date(saved.getTime() + 16 * 60_000);
      expect((await login(admin.email, admin.password)).status).toBe(200);
    } finally {
      t.clock.now = saved;
    }
  });

  it("a success in between resets the count: failures must be consecutive", async () => {
    const admin = await seedAdmin(t);
    for (let i = 0; i < 4; i++) await login(admin.email, "wrong-password-x");
    expect((await login(admin.email, admin.password)).status).toBe(200);
    for (let i = 0; i < 4; i++) await login(admin.email, "wrong-password-x");
    expect((await login(admin.email, admin.password)).status).toBe(200);
  });

  it("an owner or admin unlocks a locked admin; viewers may not", async () => {
    const victim = await seedAdmin(t);
    for (let i = 0; i < 5; i++) await login(victim.email, "wrong-password-y");
    expect((await login(victim.email, victim.password)).status).toBe(423);

    const viewer = await adminHeaders(t, "viewer");
    const denied = await send(t, "POST", `/api/v1/admins/${victim.id}/unlock`, viewer.headers);
    expect(denied.status).toBe(403);

    const { headers, admin } = await adminHeaders(t, "admin");
    const res = await send(t, "POST", `/api/v1/admins/${victim.id}/unlock`, headers);
    expect(res.status).toBe(200);
    expect(await readBody(res)).toMatchObject({ id: victim.id, locked_until: null });
    expect((await login(victim.email, victim.password)).status).toBe(200);
    const [audit] = await t.deps.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.action, "admin.unlock"));
    expect(audit).toMatchObject({ actorId: admin.id, targetId: victim.id, actorType: "admin" });
  });

  it("an inactive admin cannot log in", async () => {
    const admin = await seedAdmin(t);
    await t.deps.db.update(admins).set({ isActive: false }).where(eq(admins.id, admin.id));
    expect((await login(admin.email, admin.password)).status).toBe(401);
  });
});
