import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { eventually, type Stack, signatureValid, startStack } from "./stack.js";

/**
 * What the console does, end to end over the real worker (fast simulator) and webhook
 * delivery worker: an admin hands out a pairing link, the signed-out page follows the QR until
 * "linked", the link is spent; a message reaches `read` and the admin sees its timeline,
 * deliveries and live events; a webhook test event arrives signed.
 */
const t = useTestApp();
let stack: Stack;
let account: Awaited<ReturnType<typeof seedAccount>>;
let admin: Record<string, string>;
let hookId: string;
let secret: string;

const asAccount = (method: string, path: string, body?: unknown) =>
  t.app.request(path, {
    method,
    headers: account.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** Reads a server-sent event stream into a growing text, on demand. */
function follow(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const state = { text: "" };
  return {
    state,
    async until(needle: RegExp, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!needle.test(state.text)) {
        if (Date.now() > deadline) throw new Error(`no ${needle} in: ${state.text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}: ${state.text}`);
        state.text += decoder.decode(value);
      }
    },
    close: () => reader.cancel(),
  };
}

beforeAll(async () => {
  stack = await startStack(t, { linkDelayMs: 1500 });
  account = await seedAccount(t, { mode: "test" });
  admin = (await adminHeaders(t, "admin")).headers;
  const hook = await asAccount("POST", "/api/v1/webhooks", {
    url: stack.hookUrl,
    events: ["message.status"],
  });
  expect(hook.status).toBe(201);
  ({ id: hookId, secret } = await readBody(hook));
});
afterAll(async () => {
  await stack?.stop();
});

describe("console flow", () => {
  it("pairing link → QR → ready → used → 404, seen live by the admin monitor", async () => {
    const monitor = follow(
      await t.app.request(`/api/v1/admin/events?user_id=${account.userId}`, { headers: admin }),
    );
    await monitor.until(/event: ready/);

    const created = await t.app.request(
      `/api/v1/users/${account.userId}/sessions/default/pairing-links`,
      { method: "POST", headers: admin, body: "{}" },
    );
    expect(created.status).toBe(201);
    const token = String((await readBody(created)).url).split("/console/pair/")[1]!;
    const pair = (path = "") => t.app.request(`/api/v1/pairing/${token}${path}`);

    const page = follow(await pair("/events"));
    await page.until(/event: status/);
    const qr = await eventually(
      async () => {
        const res = await pair("/qr");
        return res.status === 200 ? readBody(res) : null;
      },
      "the QR",
      20_000,
    );
    expect(qr.qr).toMatch(/^sim:/);
    expect(qr.data_url).toMatch(/^data:image\/png;base64,/);

    await page.until(/"status":"ready"[^\n]*"used":true/);
    expect(page.state.text).toMatch(/"phone_number":"\+\d+"/);
    await page.close();
    expect((await pair()).status).toBe(404);
    expect((await pair("/qr")).status).toBe(404);

    await monitor.until(/event: session.status\ndata: [^\n]*"status":"ready"/);
    await monitor.close();
  });

  it("a sent message reaches read; the admin sees its timeline, deliveries and live events", async () => {
    const monitor = follow(
      await t.app.request(`/api/v1/admin/events?user_id=${account.userId}`, { headers: admin }),
    );
    await monitor.until(/event: ready/);
    const sent = await asAccount("POST", "/api/v1/messages/send-text", {
      to: "+213661234567",
      text: "from the console",
    });
    expect(sent.status).toBe(202);
    const { id } = await readBody(sent);
    const detail = await eventually(
      async () => {
        const body = await readBody(
          await t.app.request(`/api/v1/admin/messages/${id}`, { headers: admin }),
        );
        const delivered = body.webhook_deliveries.filter(
          (d: { status: string }) => d.status === "succeeded",
        );
        return body.status === "read" && delivered.length >= 4 ? body : null;
      },
      "the message read and its webhooks delivered",
      30_000,
    );
    expect(detail.user_id).toBe(account.userId);
    expect(detail.timeline.map((e: { status: string }) => e.status)).toEqual([
      "queued",
      "sending",
      "sent",
      "delivered",
      "read",
    ]);
    expect(detail.webhook_deliveries[0]).toMatchObject({
      webhook_id: hookId,
      event_type: "message.status",
      last_status_code: 204,
      attempts: 1,
    });
    await monitor.until(
      new RegExp(`event: message.status\\ndata: [^\\n]*"id":"${id}"[^\\n]*"status":"read"`),
    );
    await monitor.until(/event: webhook.delivery\ndata: [^\n]*"status":"succeeded"/);
    await monitor.close();
  });

  it("a webhook test event arrives signed", async () => {
    const res = await asAccount("POST", `/api/v1/webhooks/${hookId}/test`);
    expect(res.status).toBe(202);
    const { delivery_id } = await readBody(res);
    const hook = await eventually(
      async () => stack.received.find((h) => h.headers["webhook-id"] === delivery_id),
      "the test delivery",
      20_000,
    );
    expect(hook.payload).toMatchObject({ type: "webhook.test", data: { webhook_id: hookId } });
    expect(signatureValid(hook, secret)).toBe(true);
  });
});
