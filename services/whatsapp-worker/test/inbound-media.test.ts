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
function mediaMessage(
  bytes: Buffer,
  options: { announcedSize?: number; failures?: number; empty?: number } = {},
) {
  let failures = options.failures ?? 0;
  let empty = options.empty ?? 0;
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
      // A passing failure of WhatsApp's media server: a throw, or no data (the library).
      if (failures > 0) {
        failures -= 1;
        throw new Error("net::ERR_CONNECTION_RESET");
      }
      if (empty > 0) {
        empty -= 1;
        return undefined as unknown as { mimetype: string; data: string };
      }
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
      {
        pacing: NO_PACING,
        inboundMediaMaxBytes: CAP,
        inboundMediaAttempts: 3,
        inboundMediaRetryMs: 50,
      },
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
      attempts: 1,
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

  it("a passing download failure is retried with backoff, then stored", async () => {
    const bytes = Buffer.from("third time lucky");
    const { id, message, calls } = mediaMessage(bytes, { failures: 1, empty: 1 });
    client.emit("message", message);
    const row = await settledRow(id);
    expect(calls).toEqual([id, id, id]);
    expect(row.media).toMatchObject({ status: "stored", attempts: 3, size: bytes.length });
    expect((await postgresMediaStore(env.db.db).get(row.id))?.data.equals(bytes)).toBe(true);
  });

  it("a download failing every attempt is marked failed after inboundMediaAttempts", async () => {
    const { id, message, calls } = mediaMessage(Buffer.from("never"), { failures: 99 });
    client.emit("message", message);
    const row = await settledRow(id);
    expect(calls).toEqual([id, id, id]);
    expect(row.media).toMatchObject({ url: null, status: "failed", attempts: 3 });
    expect(await postgresMediaStore(env.db.db).get(row.id)).toBeNull();
  });
});
