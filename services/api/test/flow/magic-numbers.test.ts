import { quotaUsed } from "@wagate/core";
import { messages } from "@wagate/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { eventually, type Stack, signatureValid, startStack } from "./stack.js";

/** The simulator's magic recipients (API.md "Operations"), end to end through the API. */
const t = useTestApp();
let stack: Stack;
let account: Awaited<ReturnType<typeof seedAccount>>;
let secret: string;

const api = (method: string, path: string, body?: unknown) =>
  t.app.request(path, {
    method,
    headers:
      body === undefined ? { authorization: account.headers.authorization } : account.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const getMessage = async (id: string) => readBody(await api("GET", `/api/v1/messages/${id}`));
const sendTo = async (to: string) => {
  const res = await api("POST", "/api/v1/messages/send-text", { to, text: `to ${to}` });
  expect(res.status).toBe(202);
  return (await readBody(res)).id as string;
};
const used = () =>
  quotaUsed(t.deps.redis, t.deps.redisPrefix, {
    userId: account.userId,
    mode: "test",
    now: new Date(),
  });

beforeAll(async () => {
  stack = await startStack(t, { linkDelayMs: 50 });
  account = await seedAccount(t);
  const hook = await api("POST", "/api/v1/webhooks", {
    url: stack.hookUrl,
    events: ["message.status"],
  });
  secret = (await readBody(hook)).secret;
  expect((await api("POST", "/api/v1/sessions/init")).status).toBe(202);
  await eventually(
    async () => (await readBody(await api("GET", "/api/v1/sessions/status"))).status === "ready",
    "a ready session",
  );
});
afterAll(async () => {
  await stack?.stop();
});

describe("flow: simulator magic numbers", () => {
  it("…0000 is not on WhatsApp: failed with a stable code, its quota unit given back", async () => {
    const before = await used();
    const id = await sendTo("+213 661 23 00 00");
    expect(await used()).toBe(before + 1);
    const failed = await eventually(async () => {
      const m = await getMessage(id);
      return m.status === "failed" ? m : null;
    }, "failed");
    expect(failed.error).toEqual({ code: "not_on_whatsapp", message: expect.any(String) });
    expect(failed.failed_at).not.toBeNull();
    expect(failed.sent_at).toBeNull();
    // The unit goes back in Redis just after the row is marked failed.
    await eventually(async () => (await used()) === before, "the quota unit given back");
    const hook = await eventually(
      async () =>
        stack.received.find((h) => h.payload.data.id === id && h.payload.data.status === "failed"),
      "the failed webhook",
    );
    expect(signatureValid(hook, secret)).toBe(true);
    expect((hook.payload.data.error as { code: string }).code).toBe("not_on_whatsapp");
    expect(stack.network.sendCount(id)).toBe(0);
  });

  it("…0001 is sent but never delivered", async () => {
    const id = await sendTo("+213661230001");
    await eventually(async () => (await getMessage(id)).status === "sent", "sent");
    await new Promise((r) => setTimeout(r, 500));
    const message = await getMessage(id);
    expect(message).toMatchObject({
      status: "sent",
      delivered_at: null,
      read_at: null,
      error: null,
    });
    expect(message.sent_at).not.toBeNull();
  });

  it("…0002 fails once, is retried, and is delivered — sent exactly once", async () => {
    const id = await sendTo("+213661230002");
    await eventually(async () => (await getMessage(id)).status === "read", "read after a retry");
    const [row] = await t.deps.db.select().from(messages).where(eq(messages.id, id));
    expect(row?.attempts).toBe(2);
    expect(row?.errorCode).toBeNull();
    expect(stack.network.sendCount(id)).toBe(1);
  });
});
