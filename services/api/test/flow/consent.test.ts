import { quotaUsed } from "@wagate/core";
import { optOuts } from "@wagate/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { eventually, type Stack, startStack } from "./stack.js";

/**
 * Consent end to end: STOP / START keywords arriving on a simulator session, the opt-out
 * list through the API, sends to an opted-out number refused without using quota, and
 * queued or scheduled messages failed (and refunded) when their recipient opts out.
 */
const t = useTestApp();
let stack: Stack;
let account: Awaited<ReturnType<typeof seedAccount>>;
let sessionId: string;
const A = "+213661000101";
const B = "+213661000102";
const C = "+213661000103";

const api = (method: string, path: string, body?: unknown) =>
  t.app.request(path, {
    method,
    headers:
      body === undefined ? { authorization: account.headers.authorization } : account.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const used = () =>
  quotaUsed(t.deps.redis, t.deps.redisPrefix, {
    userId: account.userId,
    mode: "test",
    now: new Date(),
  });
const message = async (id: string) => readBody(await api("GET", `/api/v1/messages/${id}`));
const hooks = (type: string) => stack.received.filter((h) => h.payload.type === type);

beforeAll(async () => {
  stack = await startStack(t, { linkDelayMs: 200 });
  account = await seedAccount(t);
  const consent = await api("PUT", "/api/v1/account/consent", {
    opt_out_keywords: ["STOP", "UNSUBSCRIBE", "ARRET"],
    opt_in_keywords: ["START"],
    opt_out_reply: "You will get no more messages. Reply START to resume.",
    opt_in_reply: null,
  });
  expect(consent.status).toBe(200);
  const hook = await api("POST", "/api/v1/webhooks", {
    url: stack.hookUrl,
    events: ["contact.opted_out", "contact.opted_in", "message.status"],
  });
  expect(hook.status).toBe(201);
  expect((await api("POST", "/api/v1/sessions/init")).status).toBe(202);
  const ready = await eventually(async () => {
    const body = await readBody(await api("GET", "/api/v1/sessions/status"));
    return body.status === "ready" ? body : null;
  }, "a ready session");
  expect(ready.status).toBe("ready");
  sessionId = stack.worker.manager.owned[0]!.sessionId;
});
afterAll(async () => {
  await stack?.stop();
});

describe("consent", () => {
  it("opts a sender out by keyword (accents, case, punctuation ignored) and confirms", async () => {
    // The simulated recipient answers "  arrêt ! " to this message.
    const res = await api("POST", "/api/v1/messages/send-text", { to: A, text: "echo   arrêt ! " });
    expect(res.status).toBe(202);
    const listed = await eventually(async () => {
      const body = await readBody(
        await api("GET", `/api/v1/opt-outs?phone=${encodeURIComponent(A)}`),
      );
      return body.data.length === 1 ? body.data[0] : null;
    }, "the keyword opt-out");
    expect(listed).toMatchObject({ phone: A, source: "keyword", session: "default" });
    const hook = await eventually(async () => hooks("contact.opted_out")[0], "contact.opted_out");
    expect(hook.payload.data).toMatchObject({ phone: A, source: "keyword", lid: null });
    // The confirmation goes to the number that just opted out, once.
    const confirmation = await eventually(
      async () =>
        stack.network
          .deliveries()
          .find((d) => d.to === A && d.text?.startsWith("You will get no more")),
      "the confirmation text",
    );
    expect(stack.network.sendCount(confirmation.reference)).toBe(1);
  });

  it("refuses a send to an opted-out number with 422 recipient_opted_out, using no quota", async () => {
    const before = await used();
    const res = await api("POST", "/api/v1/messages/send-text", { to: A, text: "promo" });
    expect(res.status).toBe(422);
    expect((await readBody(res)).error.code).toBe("recipient_opted_out");
    expect(await used()).toBe(before);
  });

  it("opts the sender back in with START", async () => {
    const runtime = stack.worker.manager.runtime(sessionId)!;
    const driver = (runtime as unknown as { driver: { emit: (e: string, m: unknown) => void } })
      .driver;
    driver.emit("message", {
      waMessageId: "sim_in_start_1",
      from: A,
      type: "text",
      text: "Start",
      at: new Date(),
    });
    await eventually(async () => {
      const body = await readBody(
        await api("GET", `/api/v1/opt-outs?phone=${encodeURIComponent(A)}`),
      );
      return body.data.length === 0;
    }, "the opt-in");
    const hook = await eventually(async () => hooks("contact.opted_in")[0], "contact.opted_in");
    expect(hook.payload.data).toMatchObject({ phone: A, source: "keyword" });
    expect(
      (await api("POST", "/api/v1/messages/send-text", { to: A, text: "welcome back" })).status,
    ).toBe(202);
  });

  it("opts out through the API: a scheduled message to that number fails and refunds", async () => {
    const sendAt = new Date(Date.now() + 3600_000).toISOString();
    const res = await api("POST", "/api/v1/messages/send-text", {
      to: B,
      text: "later",
      send_at: sendAt,
    });
    expect(res.status).toBe(202);
    const { id } = await readBody(res);
    const before = await used();
    const created = await api("POST", "/api/v1/opt-outs", {
      phone: "+213 661 000 102",
      reason: "asked by phone",
    });
    expect(created.status).toBe(201);
    expect(await readBody(created)).toMatchObject({
      phone: B,
      source: "api",
      reason: "asked by phone",
    });
    expect((await api("POST", "/api/v1/opt-outs", { phone: B })).status).toBe(200);
    const ended = await message(id);
    expect(ended).toMatchObject({ status: "failed", error: { code: "recipient_opted_out" } });
    expect(await used()).toBe(before - 1);
    await eventually(
      async () =>
        hooks("message.status").find(
          (h) => h.payload.data.id === id && h.payload.data.status === "failed",
        ),
      "the failed message.status",
    );
    expect((await api("DELETE", `/api/v1/opt-outs?phone=${encodeURIComponent(B)}`)).status).toBe(
      204,
    );
    expect((await api("DELETE", `/api/v1/opt-outs?phone=${encodeURIComponent(B)}`)).status).toBe(
      404,
    );
    expect((await api("POST", "/api/v1/opt-outs", { phone: "12" })).status).toBe(422);
  });

  it("a queued message whose recipient opted out meanwhile fails at send time and refunds", async () => {
    const res = await api("POST", "/api/v1/messages/send-text", {
      to: C,
      text: "soon",
      send_at: new Date(Date.now() + 2500).toISOString(),
    });
    expect(res.status).toBe(202);
    const { id } = await readBody(res);
    const before = await used();
    // Straight into the list, as if the opt-out raced the message: only the send-time check sees it.
    await t.deps.db
      .insert(optOuts)
      .values({ id: `opt_${id.slice(4)}`, userId: account.userId, phone: C, source: "admin" });
    await eventually(
      async () => {
        const m = await message(id);
        return m.status === "failed";
      },
      "the failed message",
      60_000,
    );
    expect((await message(id)).error.code).toBe("recipient_opted_out");
    expect(stack.network.sendCount(id)).toBe(0);
    expect(await used()).toBe(before - 1);
  });

  it("lists opt-outs newest first with a cursor", async () => {
    for (const phone of ["+213661000201", "+213661000202", "+213661000203"]) {
      expect((await api("POST", "/api/v1/opt-outs", { phone })).status).toBe(201);
    }
    const first = await readBody(await api("GET", "/api/v1/opt-outs?limit=2"));
    expect(first.data.map((r: { phone: string }) => r.phone)).toEqual([
      "+213661000203",
      "+213661000202",
    ]);
    const second = await readBody(
      await api("GET", `/api/v1/opt-outs?limit=2&cursor=${first.next_cursor}`),
    );
    expect(second.data[0].phone).toBe("+213661000201");
  });
});
