import { loginHistory } from "@wagate/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { seedAdmin, send, useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";

const LOGIN_IP_POINTS = 6;
const t = useTestApp({ TRUST_PROXY: "true", LOGIN_IP_MAX_ATTEMPTS: String(LOGIN_IP_POINTS) });
let ipSeq = 1;
const freshIp = () => `203.0.113.${ipSeq++}`;

const login = (email: string, password: string, ip: string) =>
  send(
    t,
    "POST",
    "/api/v1/auth/login",
    { "x-forwarded-for": `198.51.100.7, ${ip}` },
    {
      email,
      password,
    },
  );

describe("login rate limits", () => {
  it("per IP: every attempt counts; past the budget → 429 rate_limited with Retry-After", async () => {
    const ip = freshIp();
    for (let i = 0; i < LOGIN_IP_POINTS; i++) {
      const res = await login(`spray-${i}@example.test`, "some-password", ip);
      expect(res.status).toBe(401);
    }
    const res = await login("spray-last@example.test", "some-password", ip);
    expect(res.status).toBe(429);
    expect((await readBody(res)).error.code).toBe("rate_limited");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    // another address is unaffected
    expect((await login("spray-last@example.test", "some-password", freshIp())).status).toBe(401);
    const rows = await t.deps.db
      .select()
      .from(loginHistory)
      .where(eq(loginHistory.email, "spray-last@example.test"));
    expect(rows.map((r) => [r.reason, r.ip]).sort()).toEqual(
      [
        ["rate_limited", ip],
        ["unknown_email", `203.0.113.${ipSeq - 1}`],
      ].sort(),
    );
  });

  it("an unknown email answers like a real one: 401 x4, then 423 (no enumeration)", async () => {
    const email = "ghost@example.test";
    const admin = await seedAdmin(t);
    const ghost: number[] = [];
    const real: number[] = [];
    for (let i = 0; i < 8; i++) {
      ghost.push((await login(email, "guess-password", freshIp())).status);
      real.push((await login(admin.email, "guess-password", freshIp())).status);
    }
    expect(ghost).toEqual([401, 401, 401, 401, 423, 423, 423, 423]);
    expect(real).toEqual(ghost);
  });

  it("per email: a locked admin sees 423, not 429, and gets in once the lock ends", async () => {
    const admin = await seedAdmin(t);
    for (let i = 0; i < 5; i++) await login(admin.email, "wrong-password-z", freshIp());
    for (let i = 0; i < 8; i++) {
      expect((await login(admin.email, "wrong-password-z", freshIp())).status).toBe(423);
    }
    const saved = t.clock.now;
    try {
      t.clock.now = new Date(saved.getTime() + 15 * 60_000 + 1000);
      expect((await login(admin.email, admin.password, freshIp())).status).toBe(200);
    } finally {
      t.clock.now = saved;
    }
  });
});
