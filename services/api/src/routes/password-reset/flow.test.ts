import { admins, passwordResetRequests } from "@wagate/db";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { send, useTestApp } from "../../../test/harness.js";
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

/**
 * Answer floor of request/resend. Above what the matched path's work (row, enqueue) takes on a
 * loaded machine (~900 ms under stress-ng on two shared cores), so the timing comparison
 * measures the floor, as in production, and not the machine's load.
 */
const FLOOR_MS = 1500;
const system = systemSessionEnv({ PASSWORD_RESET_MIN_RESPONSE_MS: String(FLOOR_MS) });
const t = useTestApp(system.env);
const MINUTE = 60_000;

beforeAll(() => seedSystemSession(t, system.systemUserId));

const requestRow = async (id: string) =>
  (
    await t.deps.db.select().from(passwordResetRequests).where(eq(passwordResetRequests.id, id))
  )[0]!;

async function login(email: string, password: string) {
  return send(t, "POST", "/api/v1/auth/login", {}, { email, password });
}

describe("password reset by OTP", () => {
  it("answers a known and an unknown email identically, and only the known one gets a code", async () => {
    const admin = await seedPhoneAdmin(t);
    const strangerPhone = nextPhone();
    const timed = async (body: unknown) => {
      const started = performance.now();
      const res = await post(t, "request", body);
      return { res, ms: performance.now() - started };
    };
    // Warm up the send path (queue connection) the way a running server already has.
    const warm = await seedPhoneAdmin(t);
    await post(t, "request", { email: warm.email, phone: warm.phone });
    const known = await timed({ email: admin.email.toUpperCase(), phone: admin.phone });
    const unknown = await timed({ email: "nobody@example.test", phone: strangerPhone });
    const wrongPhone = await timed({ email: admin.email, phone: strangerPhone });
    for (const { res, ms } of [known, unknown, wrongPhone]) {
      expect(res.status).toBe(202);
      expect(Object.keys(res.body)).toEqual(["request_id"]);
      expect(res.body.request_id).toMatch(/^prr_[0-9A-Z]{26}$/);
      expect(res.headers.get("content-type")).toBe(known.res.headers.get("content-type"));
      expect(ms).toBeGreaterThanOrEqual(FLOOR_MS - 5); // the answer floor hides the send
    }
    // Medians over a few more pairs, so one load spike on a shared machine does not decide.
    const knownMs = [known.ms];
    const unknownMs = [unknown.ms];
    for (let i = 0; i < 4; i++) {
      const other = await seedPhoneAdmin(t);
      knownMs.push((await timed({ email: other.email, phone: other.phone })).ms);
      unknownMs.push((await timed({ email: `nobody-${i}@example.test`, phone: nextPhone() })).ms);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(Math.abs(median(knownMs) - median(unknownMs))).toBeLessThan(100);
    console.info(
      `reset request timing (median of 5): known ${median(knownMs).toFixed(1)} ms, unknown ${median(unknownMs).toFixed(1)} ms`,
    );
    // Rows exist for all three; only the match is tied to the admin and got a message.
    expect((await requestRow(known.res.body.request_id)).adminId).toBe(admin.id);
    expect((await requestRow(unknown.res.body.request_id)).adminId).toBeNull();
    expect((await requestRow(wrongPhone.res.body.request_id)).adminId).toBeNull();
    expect(await messagesTo(t, strangerPhone)).toHaveLength(0);
    const sent = await messagesTo(t, admin.phone);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      userId: system.systemUserId,
      direction: "outbound",
      status: "queued",
    });
    expect(sent[0]!.content).toMatch(/code is \d{6}\. It expires in 10 minutes/);
    // The stored hash is not the code.
    const row = await requestRow(known.res.body.request_id);
    expect(row.otpHash).not.toContain(await latestOtp(t, admin.phone));
    expect(row.status).toBe("pending");
    const audit = await auditActions(t, unknown.res.body.request_id);
    expect(audit.map((a) => [a.action, a.actorType])).toEqual([
      ["password_reset.request", "system"],
    ]);
    expect(audit[0]!.metadata).toMatchObject({ matched: false, delivery: "skipped" });
    // Twelve answers held at the floor each.
  }, 120_000);

  it("verifies the code, sets the new password, revokes refresh tokens, and works once", async () => {
    const admin = await seedPhoneAdmin(t);
    const session = await login(admin.email, admin.password);
    expect(session.status).toBe(200);
    const { refresh_token: oldRefresh, access_token: oldAccess } = (await session.json()) as {
      refresh_token: string;
      access_token: string;
    };
    const { body } = await post(t, "request", { email: admin.email, phone: admin.phone });
    const requestId = body.request_id as string;
    const otp = await latestOtp(t, admin.phone);

    const verified = await post(t, "verify", { request_id: requestId, otp });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ reset_token: expect.stringMatching(/^wpr_/), expires_in: 900 });
    expect((await requestRow(requestId)).status).toBe("verified");
    // A verified request takes no more codes.
    const again = await post(t, "verify", { request_id: requestId, otp });
    expect([again.status, again.body.error.details.reason]).toEqual([400, "not_pending"]);

    const newPassword = "a brand new passphrase";
    const confirmed = await post(t, "confirm", {
      reset_token: verified.body.reset_token,
      new_password: newPassword,
    });
    expect(confirmed.status).toBe(204);
    expect((await requestRow(requestId)).status).toBe("used");

    const reuse = await post(t, "confirm", {
      reset_token: verified.body.reset_token,
      new_password: "another passphrase",
    });
    expect([reuse.status, reuse.body.error.code]).toEqual([401, "unauthorized"]);
    const refreshed = await send(
      t,
      "POST",
      "/api/v1/auth/refresh",
      {},
      { refresh_token: oldRefresh },
    );
    expect(refreshed.status).toBe(401);
    const me = await t.app.request("/api/v1/auth/me", {
      headers: { authorization: `Bearer ${oldAccess}` },
    });
    expect(me.status).toBe(401);
    expect((await login(admin.email, admin.password)).status).toBe(401);
    expect((await login(admin.email, newPassword)).status).toBe(200);

    const audit = await auditActions(t, requestId);
    expect(audit.map((a) => a.action)).toEqual([
      "password_reset.request",
      "password_reset.verify",
      "password_reset.verify_failed",
      "password_reset.confirm",
      "password_reset.confirm_failed",
    ]);
    expect(audit.every((a) => a.actorId === admin.id && a.actorType === "admin")).toBe(true);
    const stored = JSON.stringify(audit);
    expect(stored).not.toContain(otp);
    expect(stored).not.toContain(verified.body.reset_token);
  });

  it("blocks a request at the fifth wrong code; the right code then fails too", async () => {
    const admin = await seedPhoneAdmin(t);
    const { body } = await post(t, "request", { email: admin.email, phone: admin.phone });
    const otp = await latestOtp(t, admin.phone);
    for (let attempt = 1; attempt <= 4; attempt++) {
      const res = await post(t, "verify", { request_id: body.request_id, otp: wrongOtp(otp) });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.details).toMatchObject({
        reason: "invalid_otp",
        attempts_remaining: 5 - attempt,
      });
    }
    const fifth = await post(t, "verify", { request_id: body.request_id, otp: wrongOtp(otp) });
    expect(fifth.body.error.details).toMatchObject({ reason: "blocked", attempts_remaining: 0 });
    const right = await post(t, "verify", { request_id: body.request_id, otp });
    expect([right.status, right.body.error.details.reason]).toEqual([400, "blocked"]);
    expect(await requestRow(body.request_id)).toMatchObject({ status: "blocked", attempts: 5 });
    expect((await auditActions(t, body.request_id)).map((a) => a.action)).toContain(
      "password_reset.block",
    );
    // An unknown account's request behaves the same way, and never verifies.
    const stranger = await post(t, "request", { email: "ghost@example.test", phone: nextPhone() });
    const guess = await post(t, "verify", { request_id: stranger.body.request_id, otp: "000000" });
    expect(guess.body.error.details).toMatchObject({
      reason: "invalid_otp",
      attempts_remaining: 4,
    });
  });

  it("counts parallel guesses exactly and lets one of two parallel confirms through", async () => {
    const admin = await seedPhoneAdmin(t);
    const { body } = await post(t, "request", { email: admin.email, phone: admin.phone });
    const otp = await latestOtp(t, admin.phone);
    const guesses = await Promise.all(
      Array.from({ length: 8 }, () =>
        post(t, "verify", { request_id: body.request_id, otp: wrongOtp(otp) }),
      ),
    );
    const reasons = guesses.map((g) => g.body.error.details.reason).sort();
    expect(reasons).toEqual([...Array(4).fill("blocked"), ...Array(4).fill("invalid_otp")]);
    expect(await requestRow(body.request_id)).toMatchObject({ status: "blocked", attempts: 5 });

    const second = await seedPhoneAdmin(t);
    const again = await post(t, "request", { email: second.email, phone: second.phone });
    const ok = await post(t, "verify", {
      request_id: again.body.request_id,
      otp: await latestOtp(t, second.phone),
    });
    const confirms = await Promise.all(
      ["first parallel password", "second parallel password"].map((new_password) =>
        post(t, "confirm", { reset_token: ok.body.reset_token, new_password }),
      ),
    );
    expect(confirms.map((c) => c.status).sort()).toEqual([204, 401]);
  });

  it("expires a code after 10 minutes and a reset token after 15", async () => {
    const admin = await seedPhoneAdmin(t);
    const start = t.clock.now;
    try {
      const first = await post(t, "request", { email: admin.email, phone: admin.phone });
      const otp = await latestOtp(t, admin.phone);
      t.clock.now = new Date(start.getTime() + 10 * MINUTE);
      const late = await post(t, "verify", { request_id: first.body.request_id, otp });
      expect([late.status, late.body.error.details.reason]).toEqual([400, "expired"]);
      expect((await requestRow(first.body.request_id)).status).toBe("expired");
      const resend = await post(t, "resend", { request_id: first.body.request_id });
      expect([resend.status, resend.body.error.code]).toEqual([409, "conflict"]);

      const second = await post(t, "request", { email: admin.email, phone: admin.phone });
      t.clock.now = new Date(t.clock.now.getTime() + 9 * MINUTE); // just inside 10 min
      const ok = await post(t, "verify", {
        request_id: second.body.request_id,
        otp: await latestOtp(t, admin.phone),
      });
      expect(ok.status).toBe(200);
      t.clock.now = new Date(t.clock.now.getTime() + 15 * MINUTE);
      const stale = await post(t, "confirm", {
        reset_token: ok.body.reset_token,
        new_password: "too late for this",
      });
      expect(stale.status).toBe(401);
      expect((await requestRow(second.body.request_id)).status).toBe("expired");
      const [row] = await t.deps.db.select().from(admins).where(eq(admins.id, admin.id));
      expect(row!.passwordChangedAt).toBeNull();
    } finally {
      t.clock.now = start;
    }
  });

  it("a new request supersedes the previous one", async () => {
    const admin = await seedPhoneAdmin(t);
    const first = await post(t, "request", { email: admin.email, phone: admin.phone });
    const firstOtp = await latestOtp(t, admin.phone);
    await post(t, "request", { email: admin.email, phone: admin.phone });
    const res = await post(t, "verify", { request_id: first.body.request_id, otp: firstOtp });
    expect(res.body.error.details.reason).toBe("expired");
  });

  it("validates the bodies", async () => {
    expect(
      (await post(t, "request", { email: "not-an-email", phone: "+213661234567" })).status,
    ).toBe(422);
    expect((await post(t, "request", { email: "a@example.test", phone: "12345" })).status).toBe(
      422,
    );
    expect((await post(t, "verify", { request_id: "prr_x", otp: "123456" })).status).toBe(422);
    expect(
      (await post(t, "verify", { request_id: "prr_01JD5V7Q2M3N4P5R6S7T8V9W0X", otp: "12345" }))
        .status,
    ).toBe(422);
    expect(
      (await post(t, "verify", { request_id: "prr_01JD5V7Q2M3N4P5R6S7T8V9W0X", otp: "123456" }))
        .status,
    ).toBe(404);
    expect((await post(t, "confirm", { reset_token: "wpr_x", new_password: "short" })).status).toBe(
      422,
    );
    expect(
      (await post(t, "confirm", { reset_token: "wpr_x", new_password: "long enough password" }))
        .status,
    ).toBe(401);
  });
});
