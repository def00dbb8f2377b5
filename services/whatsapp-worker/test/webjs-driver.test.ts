import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { newId } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { PostgresAuthStore } from "../src/drivers/remote-auth-store.js";
import {
  type DriverAck,
  type InboundMessage,
  PairingCodeError,
  SendError,
} from "../src/drivers/types.js";
import { WebjsDriver } from "../src/drivers/webjs.js";
import { FakeWebjsClient, fakeClientFactory } from "./fake-webjs.js";
import { seedAccount, seedSession, waitFor } from "./helpers.js";

const env = useTestEnv();
let dataDir: string;

const driver = (watchdog = { intervalMs: 60_000, timeoutMs: 1000, maxFailures: 3 }) =>
  new WebjsDriver({
    sessionId: "ses_TEST",
    mode: "live",
    store: {},
    dataPath: "/tmp/unused",
    createClient: fakeClientFactory,
    createMedia: (mimeType, base64, filename) => ({ mimeType, base64, filename }),
    watchdog,
  });

beforeEach(() => {
  FakeWebjsClient.instances = [];
});
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("webjs driver over a fake whatsapp-web.js Client", () => {
  it("maps the library's events", async () => {
    const d = driver();
    const seen: string[] = [];
    const acks: DriverAck[] = [];
    const inbound: InboundMessage[] = [];
    d.on("qr", (qr) => seen.push(`qr:${qr}`));
    d.on("authenticated", () => seen.push("authenticated"));
    d.on("ready", ({ phoneNumber }) => seen.push(`ready:${phoneNumber}`));
    d.on("disconnected", (r) => seen.push(`disconnected:${r}`));
    d.on("auth_failure", (m) => seen.push(`auth_failure:${m}`));
    d.on("ack", (a) => acks.push(a));
    d.on("message", (m) => inbound.push(m));
    await d.start();
    const client = FakeWebjsClient.latest();
    expect(client.initialized).toBe(true);
    expect(client.spec.args).toEqual(expect.arrayContaining(["--no-sandbox", "--disable-gpu"]));
    client.emit("qr", "2@abc");
    client.link();
    const msg = (id: string) => ({ id: { _serialized: id } });
    for (const code of [-1, 0, 1, 2, 3, 4]) client.emit("message_ack", msg(`m${code}`), code);
    client.emit("message", {
      id: { _serialized: "in1" },
      from: "213661234567@c.us",
      body: "hello",
      type: "chat",
      fromMe: false,
      timestamp: 1_700_000_000,
    });
    client.emit("message", {
      id: { _serialized: "g1" },
      from: "123@g.us",
      body: "x",
      type: "chat",
      fromMe: false,
      timestamp: 1,
    });
    client.emit("auth_failure", "bad");
    client.emit("disconnected", "NAVIGATION");
    expect(seen).toEqual([
      "qr:2@abc",
      "authenticated",
      "ready:+213555000111",
      "auth_failure:bad",
      "disconnected:NAVIGATION",
    ]);
    expect(acks.map((a) => `${a.waMessageId}:${a.status}`)).toEqual([
      "m-1:failed",
      "m0:pending",
      "m1:sent",
      "m2:delivered",
      "m3:read",
      "m4:read",
    ]);
    expect(inbound).toEqual([
      {
        waMessageId: "in1",
        from: "+213661234567",
        type: "text",
        text: "hello",
        at: new Date(1_700_000_000_000),
      },
    ]);
    await d.stop();
    expect(client.destroyed).toBe(true);
  });

  it("sends text and media, and classifies failures", async () => {
    const d = driver();
    await d.start();
    const client = FakeWebjsClient.latest();
    await expect(
      d.sendText({ to: "+213661234567", text: "x", reference: "msg_1" }),
    ).rejects.toMatchObject({
      code: "session_not_ready",
      permanent: false,
    });
    client.link();
    const sent = await d.sendText({ to: "+213661234567", text: "hi", reference: "msg_1" });
    expect(sent.waMessageId).toMatch(/^true_213661234567@c.us_/);
    await d.sendMedia({
      to: "+213661234567",
      reference: "msg_2",
      caption: "look",
      media: { data: Buffer.from("png"), mimeType: "image/png", filename: "a.png" },
    });
    expect(client.sent[1]).toMatchObject({
      options: { caption: "look" },
      content: { mimeType: "image/png" },
    });
    const notOn = await d
      .sendText({ to: "+213660000000", text: "x", reference: "msg_3" })
      .catch((e) => e);
    expect(notOn).toBeInstanceOf(SendError);
    expect(notOn).toMatchObject({ code: "not_on_whatsapp", permanent: true });
    client.failWith = "429 Too Many Requests";
    await expect(
      d.sendText({ to: "+213661234567", text: "x", reference: "m" }),
    ).rejects.toMatchObject({
      code: "rate_limited",
    });
    client.failWith = "Protocol error: Target closed";
    await expect(
      d.sendText({ to: "+213661234567", text: "x", reference: "m" }),
    ).rejects.toMatchObject({
      code: "session_not_ready",
      permanent: false,
    });
    // An earlier attempt is found by content in the chat since it began.
    expect(
      await d.findSent({
        to: "+213661234567",
        reference: "msg_1",
        text: "hi",
        since: new Date(Date.now() - 2000),
      }),
    ).toEqual(sent);
    expect(
      await d.findSent({
        to: "+213661234567",
        reference: "msg_9",
        text: "other",
        since: new Date(),
      }),
    ).toBeNull();
    await d.logout();
    expect(client.loggedOut).toBe(true);
  });

  it("asks the library for a pairing code with the phone's digits, only while a QR shows", async () => {
    const d = driver();
    await d.start();
    const client = FakeWebjsClient.latest();
    const reasonOf = (promise: Promise<unknown>) =>
      promise.then(
        () => "resolved",
        (error: unknown) => (error instanceof PairingCodeError ? error.reason : String(error)),
      );
    // Before the page shows a QR there is nothing to link.
    expect(await reasonOf(d.requestPairingCode("+213661234567"))).toBe("not_waiting");
    expect(client.pairingCodeRequests).toEqual([]);

    client.emit("qr", "2@abc");
    client.pairingCode = "k7pq2xwz";
    expect(await d.requestPairingCode("+213661234567")).toBe("K7PQ-2XWZ");
    // whatsapp-web.js wants the international number without `+` or spaces.
    expect(client.pairingCodeRequests).toEqual([["213661234567"]]);

    client.pairingCode = "";
    expect(await reasonOf(d.requestPairingCode("+213661234567"))).toBe("failed");
    client.requestPairingCode = async () => {
      throw new Error("Evaluation failed: PairingCodeLinkUtils missing");
    };
    expect(await reasonOf(d.requestPairingCode("+213661234567"))).toBe("failed");

    client.link();
    expect(await reasonOf(d.requestPairingCode("+213661234567"))).toBe("not_waiting");
    await d.stop();
    expect(await reasonOf(d.requestPairingCode("+213661234567"))).toBe("not_waiting");
  });

  it("recycles a page that stops answering (watchdog), keeping the auth", async () => {
    const d = driver({ intervalMs: 20, timeoutMs: 20, maxFailures: 2 });
    const states: string[] = [];
    d.on("state", (s) => states.push(s));
    await d.start();
    const first = FakeWebjsClient.latest();
    first.link();
    first.hang = true;
    await waitFor(async () => FakeWebjsClient.instances.length === 2, {
      timeoutMs: 2000,
      what: "recycle",
    });
    expect(first.destroyed).toBe(true);
    expect(first.loggedOut).toBe(false);
    expect(states).toContain("recycling");
    expect(FakeWebjsClient.latest().initialized).toBe(true);
    await d.stop();
  });
});

describe("RemoteAuth store over Postgres", () => {
  it("saves, finds, extracts and deletes the session zip the way RemoteAuth calls it", async () => {
    const userId = await seedAccount(env);
    const sessionId = await seedSession(env, userId, { mode: "live", desired: "stopped" });
    dataDir = await mkdtemp(path.join(tmpdir(), "wagate-auth-"));
    await mkdir(dataDir, { recursive: true });
    const store = new PostgresAuthStore(env.db.db, dataDir);
    const session = `RemoteAuth-${sessionId}`;
    expect(await store.sessionExists({ session })).toBe(false);
    const zip = Buffer.from(`PK\u0003\u0004${newId("message")}`);
    await writeFile(path.join(dataDir, `${session}.zip`), zip);
    await store.save({ session });
    expect(await store.sessionExists({ session })).toBe(true);
    await writeFile(path.join(dataDir, `${session}.zip`), Buffer.concat([zip, Buffer.from("v2")]));
    await store.save({ session }); // periodic backups overwrite
    const target = path.join(dataDir, "fresh", "restored.zip");
    await store.extract({ session, path: target });
    expect(await readFile(target)).toEqual(Buffer.concat([zip, Buffer.from("v2")]));
    await store.delete({ session });
    expect(await store.sessionExists({ session })).toBe(false);
  });

  it("round-trips a profile through the library's own RemoteAuth strategy", async () => {
    const userId = await seedAccount(env);
    const sessionId = await seedSession(env, userId, { mode: "live", desired: "stopped" });
    const base = await mkdtemp(path.join(tmpdir(), "wagate-remote-auth-"));
    const store = new PostgresAuthStore(env.db.db, base);
    // The library's own class (its module exports it directly), no Chromium needed.
    const RemoteAuth = createRequire(import.meta.url)(
      "whatsapp-web.js/src/authStrategies/RemoteAuth.js",
    );
    const fakeClient = { options: { puppeteer: {} }, emit: () => true };
    const open = async () => {
      const auth = new RemoteAuth({
        clientId: sessionId,
        dataPath: base,
        store,
        backupSyncIntervalMs: 60_000,
      });
      auth.setup(fakeClient);
      await auth.beforeBrowserInitialized();
      return auth;
    };
    const first = await open();
    const profile = path.join(base, `RemoteAuth-${sessionId}`, "Default", "Local Storage");
    await mkdir(profile, { recursive: true });
    await writeFile(path.join(profile, "leveldb.log"), "linked-device-keys");
    await first.storeRemoteSession();
    expect(await store.sessionExists({ session: `RemoteAuth-${sessionId}` })).toBe(true);
    await rm(path.join(base, `RemoteAuth-${sessionId}`), { recursive: true, force: true });

    await open(); // another worker: the profile comes back from Postgres
    // unzipper may report "finish" a moment before the last file lands (the library then
    // launches Chromium, which takes far longer).
    const restored = await waitFor(
      () => readFile(path.join(profile, "leveldb.log"), "utf8").catch(() => null),
      {
        timeoutMs: 3000,
        what: "restored profile",
      },
    );
    expect(restored).toBe("linked-device-keys");
    await first.logout(); // forgets the stored auth
    expect(await store.sessionExists({ session: `RemoteAuth-${sessionId}` })).toBe(false);
    await rm(base, { recursive: true, force: true });
  });
});
