import { generateApiKey, refundQuota } from "@wagate/core";
import { apiKeys, newId } from "@wagate/db";
import { beforeAll, describe, expect, it } from "vitest";
import { mountProbe } from "./account-probe.js";
import { seedAccount, useTestApp } from "./harness.js";

const t = useTestApp();

beforeAll(() => {
  mountProbe(t.app);
  t.clock.now = new Date("2026-05-04T23:00:00.000Z");
});

const sendOne = (headers: Record<string, string>) =>
  t.app.request("/api/v1/_probe/send", { method: "POST", headers });

describe("daily quota on send routes", () => {
  it("accepts exactly the quota under concurrency; the rest get 429 quota_exceeded", async () => {
    const quota = 5;
    const account = await seedAccount(t, { maxMessagesPerDay: quota });
    const answers = await Promise.all(
      Array.from({ length: quota * 3 }, () => sendOne(account.headers)),
    );
    const accepted = answers.filter((res) => res.status === 202);
    const refused = answers.filter((res) => res.status === 429);
    expect(accepted).toHaveLength(quota);
    expect(refused).toHaveLength(quota * 2);
    const remaining = accepted.map((res) => Number(res.headers.get("ratelimit-remaining")));
    expect(remaining.sort()).toEqual([0, 1, 2, 3, 4]);
    for (const res of accepted) {
      expect(res.headers.get("ratelimit-limit")).toBe("5");
      expect(res.headers.get("ratelimit-reset")).toBe("3600");
      expect(res.headers.get("retry-after")).toBeNull();
    }
    const res = refused[0]!;
    expect(res.headers.get("retry-after")).toBe("3600"); // 23:00 UTC → midnight
    expect(res.headers.get("ratelimit-limit")).toBe("5");
    expect(res.headers.get("ratelimit-remaining")).toBe("0");
    expect(res.headers.get("ratelimit-reset")).toBe("3600");
    const body = (await res.json()) as { error: { code: string; request_id: string } };
    expect(body.error.code).toBe("quota_exceeded");
    expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
    const metrics = await (await t.app.request("/metrics")).text();
    expect(metrics).toMatch(/wagate_quota_rejections_total\{mode="test"[^}]*\} 10/);
  });

  it("a refunded unit can be used again, once", async () => {
    const account = await seedAccount(t, { maxMessagesPerDay: 1 });
    const first = await sendOne(account.headers);
    expect(first.status).toBe(202);
    const { day } = (await first.json()) as { day: string };
    expect(day).toBe("2026-05-04");
    expect((await sendOne(account.headers)).status).toBe(429);
    await refundQuota(t.deps.redis, t.deps.redisPrefix, {
      userId: account.userId,
      mode: "test",
      day,
    });
    expect((await sendOne(account.headers)).status).toBe(202);
    expect((await sendOne(account.headers)).status).toBe(429);
  });

  it("starts fresh after UTC midnight", async () => {
    const account = await seedAccount(t, { maxMessagesPerDay: 1 });
    expect((await sendOne(account.headers)).status).toBe(202);
    expect((await sendOne(account.headers)).status).toBe(429);
    const before = t.clock.now;
    t.clock.now = new Date("2026-05-05T00:00:01.000Z");
    try {
      const res = await sendOne(account.headers);
      expect(res.status).toBe(202);
      expect(((await res.json()) as { day: string }).day).toBe("2026-05-05");
    } finally {
      t.clock.now = before;
    }
  });

  it("counts test-mode and live-mode keys of one account separately", async () => {
    const account = await seedAccount(t, { maxMessagesPerDay: 1, mode: "test" });
    const live = generateApiKey("live", t.deps.apiKeySecret);
    await t.deps.db.insert(apiKeys).values({
      id: newId("apiKey"),
      userId: account.userId,
      name: "live key",
      prefix: live.prefix,
      keyHash: live.hash,
      mode: "live",
      scopes: ["messages:send"],
    });
    const liveHeaders = { authorization: `ApiKey ${live.raw}` };
    expect((await sendOne(account.headers)).status).toBe(202);
    expect((await sendOne(account.headers)).status).toBe(429);
    expect((await sendOne(liveHeaders)).status).toBe(202);
    expect((await sendOne(liveHeaders)).status).toBe(429);
  });

  it("an account with a quota of 0 cannot send", async () => {
    const account = await seedAccount(t, { maxMessagesPerDay: 0 });
    const res = await sendOne(account.headers);
    expect(res.status).toBe(429);
    expect(res.headers.get("ratelimit-limit")).toBe("0");
  });
});
