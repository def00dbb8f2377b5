import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { eventually, type Stack, signatureValid, startStack } from "./stack.js";

/**
 * End to end through the real pieces: this API, the WhatsApp worker with the fast simulator
 * and the webhook delivery worker, over one database and Redis prefix; a local HTTP server
 * receives the webhooks.
 */
const t = useTestApp();
let stack: Stack;
let account: Awaited<ReturnType<typeof seedAccount>>;
let secret: string;
const TO = "+213661234567";
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const api = (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
  t.app.request(path, {
    method,
    headers:
      body === undefined
        ? { authorization: account.headers.authorization, ...extra }
        : { ...account.headers, ...extra },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const messageStatus = async (id: string) =>
  (await readBody(await api("GET", `/api/v1/messages/${id}`))).status;
const hooksFor = (id: string) =>
  stack.received.filter((h) => h.payload.type === "message.status" && h.payload.data.id === id);

beforeAll(async () => {
  stack = await startStack(t);
  account = await seedAccount(t);
  const hook = await api("POST", "/api/v1/webhooks", {
    url: stack.hookUrl,
    events: ["message.status", "message.received", "session.status"],
  });
  expect(hook.status).toBe(201);
  secret = (await readBody(hook)).secret;
});
afterAll(async () => {
  await stack?.stop();
});

describe("flow: pair a session, send, get delivered and read, with signed webhooks", () => {
  it("init → QR PNG → ready", async () => {
    const init = await api("POST", "/api/v1/sessions/init");
    expect(init.status).toBe(202);
    expect(await readBody(init)).toMatchObject({ name: "default", driver: "simulator" });

    const events = await t.app.request("/api/v1/sessions/events", {
      headers: { authorization: account.headers.authorization },
    });
    expect(events.status).toBe(200);
    const reader = events.body!.getReader();
    let stream = "";
    const streamUntil = async (needle: RegExp) => {
      while (!needle.test(stream)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`event stream ended: ${stream}`);
        stream += new TextDecoder().decode(value);
      }
    };

    const png = await eventually(async () => {
      const res = await api("GET", "/api/v1/sessions/qr");
      return res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : null;
    }, "a QR");
    expect([...png.subarray(0, 8)]).toEqual(PNG_MAGIC);

    const ready = await eventually(async () => {
      const body = await readBody(await api("GET", "/api/v1/sessions/status"));
      return body.status === "ready" ? body : null;
    }, "a ready session");
    expect(ready.phone_number).toMatch(/^\+1555/);
    expect(ready.connected_at).not.toBeNull();
    expect((await api("GET", "/api/v1/sessions/qr")).status).toBe(409);
    await streamUntil(/event: status\ndata: \{[^\n]*"status":"ready"/);
    expect(stream).toMatch(/event: qr\ndata: \{"qr":"sim:/);
    await reader.cancel();
    await eventually(
      async () =>
        stack.received.find(
          (h) => h.payload.type === "session.status" && h.payload.data.status === "ready",
        ),
      "the session.status webhook",
    );
  });

  it("send-text → sent → delivered → read, a signed webhook for each change, sent once", async () => {
    const res = await api("POST", "/api/v1/messages/send-text", {
      to: TO,
      text: "hello from the flow",
    });
    expect(res.status).toBe(202);
    const { id } = await readBody(res);
    await eventually(async () => (await messageStatus(id)) === "read", "read");
    const message = await readBody(await api("GET", `/api/v1/messages/${id}`));
    expect(message).toMatchObject({
      status: "read",
      error: null,
      from: expect.stringMatching(/^\+1555/),
    });
    for (const at of ["sent_at", "delivered_at", "read_at"]) expect(message[at]).not.toBeNull();
    expect(stack.network.sendCount(id)).toBe(1);

    const hooks = await eventually(async () => {
      const found = hooksFor(id);
      return found.some((h) => h.payload.data.status === "read") ? found : null;
    }, "the read webhook");
    expect(hooks.map((h) => h.payload.data.status)).toEqual(
      expect.arrayContaining(["sent", "delivered", "read"]),
    );
    for (const hook of hooks) {
      expect(signatureValid(hook, secret)).toBe(true);
      expect(hook.headers["webhook-id"]).toMatch(/^whd_/);
    }
    // A tampered body or another secret does not verify.
    expect(signatureValid({ ...hooks[0]!, body: `${hooks[0]!.body} ` }, secret)).toBe(false);
    expect(signatureValid(hooks[0]!, "whsec_b3RoZXJvdGhlcm90aGVyb3RoZXJvdGhlcm90aGVyMTI=")).toBe(
      false,
    );
  });

  it("send-media from a URL: the worker fetches it and sends it", async () => {
    const res = await api("POST", "/api/v1/messages/send-media", {
      to: TO,
      media: { url: `${stack.hookUrl.replace("/hook", "/media/dot.png")}` },
      caption: "a dot",
    });
    expect(res.status).toBe(202);
    const { id, type } = await readBody(res);
    expect(type).toBe("image");
    await eventually(async () => (await messageStatus(id)) === "read", "media read");
    expect(stack.network.sendCount(id)).toBe(1);
  });

  it("an Idempotency-Key retried sends once", async () => {
    const headers = { "idempotency-key": "flow-once" };
    const first = await readBody(
      await api("POST", "/api/v1/messages/send-text", { to: TO, text: "once" }, headers),
    );
    const second = await api(
      "POST",
      "/api/v1/messages/send-text",
      { to: TO, text: "once" },
      headers,
    );
    expect(second.status).toBe(202);
    expect((await readBody(second)).id).toBe(first.id);
    await eventually(async () => (await messageStatus(first.id)) === "read", "read");
    expect(stack.network.sendCount(first.id)).toBe(1);
  });

  it("a scheduled message cancelled in time is never sent and announces cancelled", async () => {
    const sendAt = new Date(Date.now() + 60_000).toISOString();
    const { id, status } = await readBody(
      await api("POST", "/api/v1/messages/send-text", { to: TO, text: "never", send_at: sendAt }),
    );
    expect(status).toBe("scheduled");
    const cancel = await api("DELETE", `/api/v1/messages/${id}`);
    expect(cancel.status).toBe(200);
    expect((await readBody(cancel)).status).toBe("cancelled");
    const hook = await eventually(
      async () => hooksFor(id).find((h) => h.payload.data.status === "cancelled"),
      "the cancelled webhook",
    );
    expect(signatureValid(hook, secret)).toBe(true);
    expect(stack.network.sendCount(id)).toBe(0);
    expect((await api("DELETE", `/api/v1/messages/${id}`)).status).toBe(409);
  });

  it("a reply comes back as an inbound message and a message.received webhook", async () => {
    const res = await api("POST", "/api/v1/messages/send-text", { to: TO, text: "echo pong" });
    expect(res.status).toBe(202);
    const inbound = await eventually(async () => {
      const list = await readBody(await api("GET", "/api/v1/messages?direction=inbound"));
      return list.data.find((m: { text: string }) => m.text === "pong");
    }, "the inbound reply");
    expect(inbound).toMatchObject({ direction: "inbound", from: TO, session: "default" });
    const hook = await eventually(
      async () =>
        stack.received.find(
          (h) => h.payload.type === "message.received" && h.payload.data.text === "pong",
        ),
      "the message.received webhook",
    );
    expect(signatureValid(hook, secret)).toBe(true);
  });

  it("disconnect stops the session", async () => {
    expect((await api("POST", "/api/v1/sessions/disconnect")).status).toBe(202);
    await eventually(async () => {
      const body = await readBody(await api("GET", "/api/v1/sessions/status"));
      return body.status === "stopped" || body.status === "disconnected";
    }, "a stopped session");
  });
});
