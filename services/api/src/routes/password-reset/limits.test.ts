import { REDACT_PATHS } from "@wagate/core";
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestApp } from "../../../test/harness.js";
import {
  auditActions,
  latestOtp,
  messagesTo,
  nextPhone,
  post,
  seedPhoneAdmin,
  seedSystemSession,
  systemSessionEnv,
  wrongOtp,
} from "./reset-test-helpers.js";

const system = systemSessionEnv({ PASSWORD_RESET_MIN_RESPONSE_MS: "0", TRUST_PROXY: "true" });
const t = useTestApp(system.env);
const SECOND = 1000;

beforeAll(() => seedSystemSession(t, system.systemUserId));

/** Runs `fn` with the clock moved by `ms` from `base`. */
const at = (base: Date, ms: number) => {
  t.clock.now = new Date(base.getTime() + ms);
};

describe("resend", () => {
  it("enforces a 60 s cooldown and at most 3 resends; each resend replaces the code", async () => {
    const start = t.clock.now;
    const admin = await seedPhoneAdmin(t);
    try {
      const { body } = await post(t, "request", { email: admin.email, phone: admin.phone });
      const id = body.request_id as string;
      const firstOtp = await latestOtp(t, admin.phone);

      const early = await post(t, "resend", { request_id: id });
      expect([early.status, early.body.error.code, early.headers.get("retry-after")]).toEqual([
        429,
        "rate_limited",
        "60",
      ]);
      at(start, 30 * SECOND);
      expect((await post(t, "resend", { request_id: id })).headers.get("retry-after")).toBe("30");

      for (const [n, offset] of [
        [1, 60],
        [2, 120],
        [3, 180],
      ] as const) {
        at(start, offset * SECOND);
        const res = await post(t, "resend", { request_id: id });
        expect(res.status, `resend ${n}`).toBe(202);
        expect(res.body).toEqual({ request_id: id });
        expect(await messagesTo(t, admin.phone)).toHaveLength(n + 1);
      }
      at(start, 300 * SECOND);
      const fourth = await post(t, "resend", { request_id: id });
      expect([fourth.status, fourth.body.error.code]).toEqual([429, "rate_limited"]);
      expect(await messagesTo(t, admin.phone)).toHaveLength(4);

      // The first code stopped working; the last one lives 10 min from its own send (180 s).
      const old = await post(t, "verify", { request_id: id, otp: firstOtp });
      expect(old.body.error.details.reason).toBe("invalid_otp");
      at(start, (180 + 9 * 60) * SECOND);
      const ok = await post(t, "verify", { request_id: id, otp: await latestOtp(t, admin.phone) });
      expect(ok.status).toBe(200);
      const again = await post(t, "resend", { request_id: id });
      expect([again.status, again.body.error.code]).toEqual([409, "conflict"]);

      const actions = (await auditActions(t, id)).map((a) => a.action);
      expect(actions.filter((a) => a === "password_reset.resend")).toHaveLength(3);
      expect(actions.filter((a) => a === "password_reset.resend_refused")).toHaveLength(4);
    } finally {
      t.clock.now = start;
    }
  });

  it("treats an unknown account's request the same way, without sending", async () => {
    const start = t.clock.now;
    const phone = nextPhone();
    try {
      const { body } = await post(t, "request", { email: "stranger@example.test", phone });
      expect((await post(t, "resend", { request_id: body.request_id })).status).toBe(429);
      at(start, 61 * SECOND);
      expect((await post(t, "resend", { request_id: body.request_id })).status).toBe(202);
      expect(await messagesTo(t, phone)).toHaveLength(0);
    } finally {
      t.clock.now = start;
    }
  });

  it("answers 404 for a request id that never existed", async () => {
    const res = await post(t, "resend", { request_id: "prr_01JD5V7Q2M3N4P5R6S7T8V9W0X" });
    expect(res.status).toBe(404);
  });
});

describe("rate limits", () => {
  it("limits new requests per email address", async () => {
    const email = "spammed@example.test";
    for (let i = 0; i < 5; i++) {
      expect((await post(t, "request", { email, phone: nextPhone() })).status).toBe(202);
    }
    const sixth = await post(t, "request", { email: email.toUpperCase(), phone: nextPhone() });
    expect([sixth.status, sixth.body.error.code]).toEqual([429, "rate_limited"]);
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("limits sends per client IP and guesses per client IP", async () => {
    const ip = { "x-forwarded-for": "203.0.113.77" };
    for (let i = 0; i < 20; i++) {
      const res = await post(
        t,
        "request",
        { email: `ip-${i}@example.test`, phone: nextPhone() },
        ip,
      );
      expect(res.status).toBe(202);
    }
    const over = await post(
      t,
      "request",
      { email: "ip-last@example.test", phone: nextPhone() },
      ip,
    );
    expect([over.status, over.body.error.code]).toEqual([429, "rate_limited"]);
    // Another address is unaffected.
    const other = { "x-forwarded-for": "203.0.113.78" };
    const fresh = await post(
      t,
      "request",
      { email: "ip-other@example.test", phone: nextPhone() },
      other,
    );
    expect(fresh.status).toBe(202);
    for (let i = 0; i < 30; i++) {
      await post(t, "verify", { request_id: fresh.body.request_id, otp: "123456" }, other);
    }
    const guess = await post(
      t,
      "verify",
      { request_id: fresh.body.request_id, otp: "123456" },
      other,
    );
    expect([guess.status, guess.body.error.code]).toEqual([429, "rate_limited"]);
  });
});

describe("delivery without a system session", () => {
  const lines: string[] = [];
  beforeAll(() => {
    t.deps.logger = pino(
      { level: "info", redact: { paths: REDACT_PATHS, censor: "[redacted]" } },
      { write: (line: string) => lines.push(line) },
    );
  });

  it("logs the code as DEV ONLY outside production, and it verifies", async () => {
    const env = t.deps.env;
    t.deps.env = { ...env, SYSTEM_SESSION: undefined };
    try {
      const admin = await seedPhoneAdmin(t);
      const { body } = await post(t, "request", { email: admin.email, phone: admin.phone });
      const line = lines.find((l) => l.includes("DEV ONLY") && l.includes(body.request_id));
      const code = line && (JSON.parse(line) as { devOnlyResetCode: string }).devOnlyResetCode;
      expect(code).toMatch(/^\d{6}$/);
      expect(await messagesTo(t, admin.phone)).toHaveLength(0);
      expect((await post(t, "verify", { request_id: body.request_id, otp: code })).status).toBe(
        200,
      );
      const [audit] = await auditActions(t, body.request_id);
      expect(audit!.metadata).toMatchObject({ matched: true, delivery: "logged" });
    } finally {
      t.deps.env = env;
    }
  });

  it("in production answers 202, warns the operator and never logs the code", async () => {
    const env = t.deps.env;
    t.deps.env = { ...env, SYSTEM_SESSION: undefined, NODE_ENV: "production" };
    try {
      const admin = await seedPhoneAdmin(t);
      const before = lines.length;
      const res = await post(t, "request", { email: admin.email, phone: admin.phone });
      expect(res.status).toBe(202);
      const logged = lines.slice(before).join("\n");
      expect(logged).toContain("SYSTEM_SESSION is not configured");
      expect(logged).not.toContain("DEV ONLY");
      expect(logged).not.toContain("devOnlyResetCode");
      const [audit] = await auditActions(t, res.body.request_id);
      expect(audit!.metadata).toMatchObject({ matched: true, delivery: "not_configured" });
      // Wrong codes are still counted against it.
      const guess = await post(t, "verify", {
        request_id: res.body.request_id,
        otp: wrongOtp("000000"),
      });
      expect(guess.body.error.details.attempts_remaining).toBe(4);
    } finally {
      t.deps.env = env;
    }
  });
});
