import { JOB_NAMES, sendQueueName } from "@wagate/contracts";
import { messages, newId } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDriverFactory } from "../src/drivers/factory.js";
import { NO_PACING } from "../src/send/pacing.js";
import { FakeWebjsClient, fakeClientFactory } from "./fake-webjs.js";
import {
  command,
  harness,
  messageRow,
  seedAccount,
  seedSession,
  sessionRow,
  waitFor,
  waitForStatus,
} from "./helpers.js";

const env = useTestEnv();
const h = harness(env);
let userId: string;
let sessionId: string;
let client: FakeWebjsClient;
let queue: Queue;

type NewMessage = Partial<typeof messages.$inferInsert>;

async function send(row: NewMessage): Promise<string> {
  const id = newId("message");
  await env.db.db.insert(messages).values({
    id,
    userId,
    sessionId,
    mode: "live",
    direction: "outbound",
    recipient: "+213661234567",
    type: "text",
    content: "hello",
    status: "queued",
    ...row,
  });
  await queue.add(JOB_NAMES.send, { messageId: id }, { jobId: id });
  return id;
}

beforeAll(async () => {
  userId = await seedAccount(env);
  sessionId = await seedSession(env, userId, { mode: "live" });
  queue = new Queue(sendQueueName(sessionId), {
    connection: env.redis.redis,
    prefix: env.redis.prefix,
  });
  FakeWebjsClient.instances = [];
  await h.startWorker(
    { pacing: NO_PACING, mediaMaxBytes: 1024 },
    createDriverFactory({ db: env.db.db, createWebjsClient: fakeClientFactory }),
  );
  client = await waitFor(async () => FakeWebjsClient.instances[0], { what: "client" });
  client.emit("qr", "2@live-qr");
  await waitFor(async () => (await sessionRow(env, sessionId)).status === "qr");
  client.link();
  await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready");
});
afterAll(async () => {
  await queue.close();
  await h.stopAll();
});

describe("a live session through the worker (fake whatsapp-web.js Client)", () => {
  it("links with the account's number and sends; acks move the row forward", async () => {
    expect((await sessionRow(env, sessionId)).phoneNumber).toBe("+213555000111");
    const id = await send({ content: "first" });
    const sent = await waitForStatus(env, id, "sent");
    expect(client.sent.at(-1)).toMatchObject({ chatId: "213661234567@c.us", content: "first" });
    client.emit("message_ack", { id: { _serialized: sent.waMessageId } }, 3);
    const read = await waitForStatus(env, id, "read");
    expect(read.deliveredAt).toBeInstanceOf(Date);
    client.emit("message_ack", { id: { _serialized: sent.waMessageId } }, 2); // late: ignored
    await new Promise((r) => setTimeout(r, 100));
    expect((await messageRow(env, id)).status).toBe("read");
  });

  it("does not send again a message an earlier attempt already sent (crash window)", async () => {
    const before = client.sent.length;
    // A previous owner sent it, then died before recording: WhatsApp has it in the chat.
    const chatId = "213661230000".replace(/0000$/, "9999");
    const earlier = await client.sendMessage(`${chatId}@c.us`, "only once");
    const afterEarlier = client.sent.length;
    const id = await send({
      recipient: `+${chatId}`,
      content: "only once",
      status: "sending",
      attempts: 1,
      sendToken: 1,
      sendingAt: new Date(Date.now() - 1000),
    });
    const row = await waitForStatus(env, id, "sent");
    expect(row.waMessageId).toBe(earlier.id._serialized);
    expect(client.sent.length).toBe(afterEarlier);
    expect(afterEarlier).toBe(before + 1);
  });

  it("treats a row already carrying wa_message_id as sent", async () => {
    const before = client.sent.length;
    const id = await send({ status: "sending", waMessageId: "true_x_RECORDED", attempts: 1 });
    const row = await waitForStatus(env, id, "sent");
    expect(row.waMessageId).toBe("true_x_RECORDED");
    expect(client.sent.length).toBe(before);
  });

  it("sends inline media and refuses bad media permanently", async () => {
    const png = Buffer.from("89504e470d0a1a0a", "hex").toString("base64");
    const ok = await send({
      type: "image",
      content: "caption",
      media: { url: null, mimeType: "image/png", filename: "a.png", size: 8, base64: png },
    });
    await waitForStatus(env, ok, "sent");
    expect(client.sent.at(-1)).toMatchObject({ options: { caption: "caption" } });
    const badType = await send({
      type: "document",
      media: {
        url: null,
        mimeType: "application/x-msdownload",
        filename: "a.exe",
        size: 3,
        base64: "AAAA",
      },
    });
    expect(await waitForStatus(env, badType, "failed")).toMatchObject({
      errorCode: "media_type_not_allowed",
    });
    const big = await send({
      type: "image",
      media: {
        url: null,
        mimeType: "image/png",
        filename: null,
        size: 2048,
        base64: Buffer.alloc(2048).toString("base64"),
      },
    });
    expect(await waitForStatus(env, big, "failed")).toMatchObject({ errorCode: "media_too_large" });
    const privateUrl = await send({
      type: "image",
      media: { url: "http://127.0.0.1:9/x.png", mimeType: null, filename: null, size: null },
    });
    expect(await waitForStatus(env, privateUrl, "failed")).toMatchObject({
      errorCode: "media_fetch_failed",
    });
  });

  it("skips a cancelled message", async () => {
    const before = client.sent.length;
    const id = await send({ status: "cancelled" });
    await new Promise((r) => setTimeout(r, 300));
    expect((await messageRow(env, id)).status).toBe("cancelled");
    expect(client.sent.length).toBe(before);
  });

  it("pauses sending while disconnected and resumes when ready again", async () => {
    client.emit("disconnected", "NAVIGATION");
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "disconnected");
    const before = client.sent.length;
    const id = await send({ content: "after reconnect", recipient: "+213661234599" });
    await new Promise((r) => setTimeout(r, 300));
    expect((await messageRow(env, id)).status).toBe("queued");
    client.link();
    await waitForStatus(env, id, "sent");
    expect(client.sent.length).toBe(before + 1);
  });

  it("reopens a session that stays disconnected", async () => {
    h.workers[0]!.ctx.options.reconnectDelayMs = 200;
    const before = FakeWebjsClient.instances.length;
    client.emit("disconnected", "CONFLICT");
    await waitFor(async () => FakeWebjsClient.instances.length === before + 1, {
      what: "new client",
    });
    expect(client.destroyed).toBe(true);
    const reopened = FakeWebjsClient.latest();
    expect(reopened.initialized).toBe(true);
    reopened.link();
    const row = await waitFor(async () => {
      const r = await sessionRow(env, sessionId);
      return r.status === "ready" ? r : null;
    });
    expect(row.lastError).toBeNull();
    client = reopened;
    const id = await send({ content: "after reopen", recipient: "+213661234598" });
    await waitForStatus(env, id, "sent");
  });

  it("reopens a session that failed authentication when it is started again", async () => {
    client.emit("auth_failure", "bad credentials");
    const failed = await waitFor(async () => {
      const r = await sessionRow(env, sessionId);
      return r.status === "failed" ? r : null;
    });
    expect(failed.lastError).toContain("authentication failed");
    const before = FakeWebjsClient.instances.length;
    await command(env, sessionId, "running");
    await waitFor(async () => FakeWebjsClient.instances.length === before + 1, {
      what: "reopened",
    });
    FakeWebjsClient.latest().link();
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready");
  });
});
