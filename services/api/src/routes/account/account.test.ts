import { consumeQuota } from "@wagate/core";
import { describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, send, useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";

const t = useTestApp();

describe("GET /account", () => {
  it("answers the key's account, its mode and today's usage of that mode's counter", async () => {
    const account = await seedAccount(t, { mode: "test", maxMessagesPerDay: 10, maxSessions: 3 });
    const now = t.deps.now();
    for (let i = 0; i < 3; i++) {
      await consumeQuota(t.deps.redis, t.deps.redisPrefix, {
        userId: account.userId,
        mode: "test",
        limit: 10,
        unitsUsed: async () => 0,
        now,
      });
    }
    // Live sends have their own counter: not shown to a test key.
    await consumeQuota(t.deps.redis, t.deps.redisPrefix, {
      userId: account.userId,
      mode: "live",
      limit: 10,
      unitsUsed: async () => 0,
      now,
    });
    const res = await send(t, "GET", "/api/v1/account", account.headers);
    expect(res.status).toBe(200);
    const body = await readBody(res);
    const midnight = new Date(now);
    midnight.setUTCHours(24, 0, 0, 0);
    expect(body).toEqual({
      id: account.userId,
      name: expect.stringMatching(/^Account /),
      email: expect.stringMatching(/@example\.test$/),
      mode: "test",
      max_messages_per_day: 10,
      max_sessions: 3,
      messages_today: 3,
      quota_remaining: 7,
      reset_at: midnight.toISOString(),
    });
    expect(JSON.stringify(body)).not.toContain("wag_");
  });

  it("refuses admin tokens and missing keys", async () => {
    const admin = await adminHeaders(t, "owner");
    for (const headers of [admin.headers, {}]) {
      const res = await send(t, "GET", "/api/v1/account", headers);
      expect(res.status).toBe(401);
      expect((await readBody(res)).error.code).toBe("unauthorized");
    }
  });
});

describe("/account/consent", () => {
  it("answers the default keywords, keeps the account's own, and refuses a keyword both ways", async () => {
    const account = await seedAccount(t, { mode: "test" });
    const put = (body: unknown) => send(t, "PUT", "/api/v1/account/consent", account.headers, body);
    const defaults = await send(t, "GET", "/api/v1/account/consent", account.headers);
    expect(defaults.status).toBe(200);
    expect(await readBody(defaults)).toEqual({
      opt_out_keywords: ["STOP", "UNSUBSCRIBE", "ARRET"],
      opt_in_keywords: ["START"],
      opt_out_reply: null,
      opt_in_reply: null,
    });
    const own = {
      opt_out_keywords: ["STOP", "BASTA"],
      opt_in_keywords: ["AVANTI"],
      opt_out_reply: "Ciao!",
      opt_in_reply: null,
    };
    expect((await put(own)).status).toBe(200);
    expect(
      await readBody(await send(t, "GET", "/api/v1/account/consent", account.headers)),
    ).toEqual(own);
    const both = await put({ ...own, opt_in_keywords: ["BASTA"] });
    expect(both.status).toBe(422);
    expect((await readBody(both)).error.code).toBe("validation_failed");
    const partial = await put({ opt_out_keywords: ["STOP"] });
    expect(partial.status).toBe(422);
  });
});
