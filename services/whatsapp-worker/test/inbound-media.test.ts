import { postgresMediaStore } from "@wagate/core";
import { messages } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDriverFactory } from "../src/drivers/factory.js";
import { type InboundMessage, MediaTooLargeError } from "../src/drivers/types.js";
import { WebjsDriver } from "../src/drivers/webjs.js";
import type { WebjsMessage } from "../src/drivers/webjs-client.js";
import { NO_PACING } from "../src/send/pacing.js";
import { FakeWebjsClient, fakeClientFactory } from "./fake-webjs.js";
import { harness, seedAccount, seedSession, sessionRow, waitFor } from "./helpers.js";

/**
 * Inbound media on the webjs driver (issue 12): the fake whatsapp-web.js Client's message
 * carries `hasMedia` and `downloadMedia()`; the worker calls it after recording the row,
 * stores the bytes, and respects `INBOUND_MEDIA_MAX_BYTES` (announced size or real bytes).
 */
const CAP = 64;
const SENDER = "213661234500@c.us";
let counter = 0;

/** An inbound media message as whatsapp-web.js emits it; records its `downloadMedia` calls. */
function mediaMessage(bytes: Buffer, options: { announcedSize?: number } = {}) {
  const calls: string[] = [];
  const id = `false_${SENDER}_MEDIA${++counter}`;
  const message: WebjsMessage = {
    id: { _serialized: id },
    from: SENDER,
    body: "a caption",
    type: "image",
    fromMe: false,
    hasMedia: true,
    timestamp: Math.floor(Date.now() / 1000),
    _data: {
      notifyName: "Amina",
      mimetype: "image/jpeg",
      filename: "cat.jpg",
      ...(options.announcedSize !== undefined ? { size: options.announcedSize } : {}),
    },
    downloadMedia: async () => {
      calls.push(id);
      return { mimetype: "image/jpeg", data: bytes.toString("base64"), filename: "cat.jpg" };
    },
  };
  return { id, message, calls };
}

describe("webjs driver: inbound media", () => {
  beforeEach(() => {
    FakeWebjsClient.instances = [];
  });
  const linked = async () => {
    const d = new WebjsDriver({
      sessionId: "ses_MEDIA",
      mode: "live",
      store: {},
      dataPath: "/tmp/unused",
      createClient: fakeClientFactory,
      watchdog: { intervalMs: 60_000, timeoutMs: 1000, maxFailures: 3 },
    });
    await d.start();
    const client = FakeWebjsClient.latest();
    client.link();
    return { d, client };
  };

  it("reports the media metadata and downloads through msg.downloadMedia()", async () => {
    const { d, client } = await linked();
    const seen: InboundMessage[] = [];
    d.on("message", (m) => seen.push(m));
    const bytes = Buffer.from("jpeg bytes");
    const { id, message, calls } = mediaMessage(bytes, { announcedSize: bytes.length });
    client.emit("message", message);
    expect(seen[0]).toMatchObject({
      waMessageId: id,
      type: "image",
      text: "a caption",
      media: { mimeType: "image/jpeg", filename: "cat.jpg", size: bytes.length },
    });
    const got = await d.downloadMedia(id, CAP);
    expect(calls).toEqual([id]);
    expect(got).toEqual({ data: bytes, mimeType: "image/jpeg", filename: "cat.jpg" });
    await d.stop();
  });

  it("refuses above the cap: before downloading when announced, after when not", async () => {
    const { d, client } = await linked();
    const announced = mediaMessage(Buffer.alloc(CAP + 1), { announcedSize: CAP + 1 });
    client.emit("message", announced.message);
    await expect(d.downloadMedia(announced.id, CAP)).rejects.toBeInstanceOf(MediaTooLargeError);
    expect(announced.calls).toEqual([]);
    const silent = mediaMessage(Buffer.alloc(CAP + 1));
    client.emit("message", silent.message);
    await expect(d.downloadMedia(silent.id, CAP)).rejects.toBeInstanceOf(MediaTooLargeError);
    expect(silent.calls).toEqual([silent.id]);
    await d.stop();
  });
});

describe("worker: inbound media from a live (webjs) session", () => {
  const env = useTestEnv();
  const h = harness(env);
  let sessionId: string;
  let client: FakeWebjsClient;

  beforeAll(async () => {
    const userId = await seedAccount(env);
    sessionId = await seedSession(env, userId, { mode: "live" });
    FakeWebjsClient.instances = [];
    await h.startWorker(
      { pacing: NO_PACING, inboundMediaMaxBytes: CAP },
      createDriverFactory({ db: env.db.db, createWebjsClient: fakeClientFactory }),
    );
    client = await waitFor(async () => FakeWebjsClient.instances[0], { what: "client" });
    client.emit("qr", "2@live-qr");
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "qr");
    client.link();
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready");
  });
  afterAll(async () => {
    await h.stopAll();
  });

  const settledRow = (waMessageId: string) =>
    waitFor(
      async () => {
        const [row] = await env.db.db
          .select()
          .from(messages)
          .where(and(eq(messages.sessionId, sessionId), eq(messages.waMessageId, waMessageId)));
        return row?.media?.status && row.media.status !== "pending" ? row : undefined;
      },
      { what: "inbound media settled" },
    );

  it("downloads after recording the row and stores the exact bytes", async () => {
    const bytes = Buffer.from("a small jpeg");
    const { id, message, calls } = mediaMessage(bytes);
    client.emit("message", message);
    const row = await settledRow(id);
    expect(calls).toEqual([id]);
    expect(row.media).toEqual({
      url: `/api/v1/messages/${row.id}/media`,
      mimeType: "image/jpeg",
      filename: "cat.jpg",
      size: bytes.length,
      status: "stored",
    });
    const stored = await postgresMediaStore(env.db.db).get(row.id);
    expect(stored?.data.equals(bytes)).toBe(true);
    expect(stored?.mimeType).toBe("image/jpeg");
  });

  it("above the cap: metadata kept, nothing stored, never downloaded when announced", async () => {
    const announced = mediaMessage(Buffer.alloc(CAP + 10), { announcedSize: CAP + 10 });
    client.emit("message", announced.message);
    const first = await settledRow(announced.id);
    expect(first.media).toMatchObject({ url: null, size: CAP + 10, status: "too_large" });
    expect(announced.calls).toEqual([]);

    const silent = mediaMessage(Buffer.alloc(CAP + 5));
    client.emit("message", silent.message);
    const second = await settledRow(silent.id);
    expect(second.media).toMatchObject({ url: null, size: CAP + 5, status: "too_large" });
    expect(silent.calls).toEqual([silent.id]);
    const store = postgresMediaStore(env.db.db);
    expect(await store.get(first.id)).toBeNull();
    expect(await store.get(second.id)).toBeNull();
  });
});
