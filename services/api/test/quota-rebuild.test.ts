import { quotaKey, quotaUsed } from "@wagate/core";
import { describe, expect, it } from "vitest";
import { accountWithSession, postJson } from "../src/routes/messages/test-helpers.js";
import { useTestApp } from "./harness.js";

// Issue 9, defect 3: a daily quota counter that Redis lost is rebuilt from Postgres before
// the next send is admitted, instead of starting again at 0.
const t = useTestApp();

const sendText = (headers: Record<string, string>, text: string) =>
  postJson(t, "/api/v1/messages/send-text", headers, { to: "+213661234567", text });

const counter = (userId: string) =>
  quotaKey(t.deps.redisPrefix, { userId, mode: "test" }, t.deps.now().toISOString().slice(0, 10));

describe("daily quota after Redis loses its counter", () => {
  it("comes back at the units used that day, cancelled sends not counted", async () => {
    const a = await accountWithSession(t, { maxMessagesPerDay: 10 });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await sendText(a.headers, `m${i}`);
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    // One unit given back (cancel refunds it and marks the row).
    const cancel = await t.app.request(`/api/v1/messages/${ids[0]}`, {
      method: "DELETE",
      headers: a.headers,
    });
    expect(cancel.status).toBe(200);
    const now = t.deps.now();
    expect(await quotaUsed(t.deps.redis, t.deps.redisPrefix, { ...a, mode: "test", now })).toBe(6);

    await t.deps.redis.del(counter(a.userId));
    const next = await sendText(a.headers, "after the loss");
    expect(next.status).toBe(202);
    expect(next.headers.get("ratelimit-remaining")).toBe("3");
    expect(await quotaUsed(t.deps.redis, t.deps.redisPrefix, { ...a, mode: "test", now })).toBe(7);
  });

  it("concurrent sends after the loss never exceed the quota", async () => {
    const a = await accountWithSession(t, { maxMessagesPerDay: 8 });
    for (let i = 0; i < 5; i++) expect((await sendText(a.headers, `m${i}`)).status).toBe(202);
    await t.deps.redis.del(counter(a.userId));
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => sendText(a.headers, `burst ${i}`)),
    );
    expect(answers.filter((r) => r.status === 202)).toHaveLength(3);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(9);
    const now = t.deps.now();
    expect(await quotaUsed(t.deps.redis, t.deps.redisPrefix, { ...a, mode: "test", now })).toBe(8);
  });
});
