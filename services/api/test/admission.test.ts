import { quotaUsed } from "@wagate/core";
import { describe, expect, it } from "vitest";
import { accountWithSession, postJson } from "../src/routes/messages/test-helpers.js";
import { useTestApp } from "./harness.js";
import { readBody } from "./security.js";

/**
 * Send routes take the per-key rate limit point and the quota unit in one Redis script
 * (`domain/limits/admission.ts`). 1 request/s → 2 points per 2 s window.
 */
const t = useTestApp({ API_KEY_RATE_LIMIT_PER_SECOND: "1" });
const SEND = "/api/v1/messages/send-text";
const used = (userId: string) =>
  quotaUsed(t.deps.redis, t.deps.redisPrefix, { userId, mode: "test", now: t.deps.now() });

describe("rate limit and quota in one round trip", () => {
  it("a send over the rate limit is 429 rate_limited and consumes no quota unit", async () => {
    const a = await accountWithSession(t);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        postJson(t, SEND, a.headers, { to: "+213661234567", text: `n${i}` }),
      ),
    );
    const statuses = answers.map((res) => res.status);
    expect(statuses.every((s) => s === 202 || s === 429)).toBe(true);
    const limited = answers.filter((res) => res.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    const body = await readBody(limited[0]!);
    expect(body.error.code).toBe("rate_limited");
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited[0]!.headers.get("ratelimit-remaining")).toBeNull();
    // Only the admitted sends hold a unit.
    expect(await used(a.userId)).toBe(statuses.filter((s) => s === 202).length);
  });

  it("a refused send still counts as a request (its point is taken when it ends)", async () => {
    const a = await accountWithSession(t);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        postJson(t, SEND, a.headers, { to: "not a number", text: "x" }),
      ),
    );
    const statuses = answers.map((res) => res.status);
    expect(statuses.every((s) => s === 422 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(await used(a.userId)).toBe(0);
  });

  it("quota exhausted: 429 quota_exceeded with Retry-After and RateLimit-* headers", async () => {
    const a = await accountWithSession(t, { maxMessagesPerDay: 1 });
    const ok = await postJson(t, SEND, a.headers, { to: "+213661234567", text: "one" });
    expect(ok.status).toBe(202);
    expect(ok.headers.get("ratelimit-remaining")).toBe("0");
    let refused = await postJson(t, SEND, a.headers, { to: "+213661234567", text: "two" });
    // The per-key limit (2 per 2 s) may answer first on a slow machine: wait out its window.
    for (let i = 0; refused.status === 429 && i < 10; i++) {
      const body = await readBody(refused.clone());
      if (body.error.code !== "rate_limited") break;
      await new Promise((r) => setTimeout(r, 1000 * Number(refused.headers.get("retry-after"))));
      refused = await postJson(t, SEND, a.headers, { to: "+213661234567", text: "two" });
    }
    expect(refused.status).toBe(429);
    expect((await readBody(refused)).error.code).toBe("quota_exceeded");
    expect(refused.headers.get("ratelimit-limit")).toBe("1");
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("retry-after")).toBe(refused.headers.get("ratelimit-reset"));
    expect(await used(a.userId)).toBe(1);
  });
});
