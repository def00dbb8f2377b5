import type { AddressInfo } from "node:net";
import { sessionCommandChannel, sessionEventsChannel, sessionQrKey } from "@wagate/contracts";
import { closeServer, listen } from "@wagate/core";
import { whatsappSessions } from "@wagate/db";
import { eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, send, useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";

const t = useTestApp();
let listener: Redis;
/** Every nudge published on the owners' channel, in order. */
const nudges: unknown[] = [];

beforeAll(async () => {
  listener = t.deps.redis.duplicate();
  listener.on("message", (_channel, body: string) => nudges.push(JSON.parse(body)));
  await listener.subscribe(sessionCommandChannel(t.deps.redisPrefix));
});
afterAll(async () => {
  await listener.quit();
});

const nudgesOf = (sessionId: string) =>
  nudges.filter((n) => (n as { sessionId?: string }).sessionId === sessionId);

/** A POST without a body (and so without a content type), as `curl -X POST` sends it. */
const postBare = (path: string, headers: Record<string, string>) =>
  t.app.request(path, { method: "POST", headers: { authorization: headers.authorization! } });

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function sessionRow(userId: string, name: string) {
  const rows = await t.deps.db
    .select()
    .from(whatsappSessions)
    .where(eq(whatsappSessions.userId, userId));
  return rows.find((r) => r.name === name)!;
}

/** What the worker does when a session shows a QR: row status, Redis key (see publish.ts). */
async function showQr(sessionId: string, qr: string) {
  await t.deps.db
    .update(whatsappSessions)
    .set({ status: "qr" })
    .where(eq(whatsappSessions.id, sessionId));
  const expiresAt = new Date(Date.now() + 60_000).toISOString();
  await t.deps.redis.set(
    sessionQrKey(t.deps.redisPrefix, sessionId),
    JSON.stringify({ qr, expires_at: expiresAt }),
  );
  return expiresAt;
}

describe("sessions", () => {
  it("init creates the session for the key's mode, asks for it to run and nudges the workers", async () => {
    const account = await seedAccount(t, { mode: "test" });
    const first = await postBare("/api/v1/sessions/init", account.headers);
    expect(first.status).toBe(202);
    expect(await readBody(first)).toMatchObject({
      name: "default",
      status: "starting",
      driver: "simulator",
      mode: "test",
    });
    const again = await send(t, "POST", "/api/v1/sessions/init/", account.headers, {});
    expect(again.status).toBe(202);

    const row = await sessionRow(account.userId, "default");
    expect(row.desiredState).toBe("running");
    // Each command counts in the row (the worker knows which ones it has followed).
    expect(row.desiredGeneration).toBe(2);
    await expect
      .poll(() => nudgesOf(row.id))
      .toEqual([
        { sessionId: row.id, action: "sync" },
        { sessionId: row.id, action: "sync" },
      ]);
  });

  it("a live key's session uses the webjs driver; names come from the body or ?session=", async () => {
    const live = await seedAccount(t, { mode: "live" });
    const res = await postBare("/api/v1/sessions/init?session=sales", live.headers);
    expect(await readBody(res)).toMatchObject({ name: "sales", driver: "webjs", mode: "live" });
    const byBody = await send(t, "POST", "/api/v1/sessions/init", live.headers, {
      session: "support",
    });
    expect(await readBody(byBody)).toMatchObject({ name: "support", driver: "webjs" });
    const bad = await send(t, "POST", "/api/v1/sessions/init", live.headers, {
      session: "no spaces",
    });
    expect(bad.status).toBe(422);
  });

  it("refuses a session past max_sessions with 409, but re-inits an existing one", async () => {
    const account = await seedAccount(t, { maxSessions: 1 });
    expect((await postBare("/api/v1/sessions/init", account.headers)).status).toBe(202);
    const over = await postBare("/api/v1/sessions/init?session=second", account.headers);
    expect(over.status).toBe(409);
    expect(await readBody(over)).toMatchObject({
      error: { code: "conflict", details: { max_sessions: 1, sessions: 1 } },
    });
    expect((await postBare("/api/v1/sessions/init", account.headers)).status).toBe(202);
  });

  it("concurrent inits of new names never exceed max_sessions", async () => {
    const account = await seedAccount(t, { maxSessions: 2 });
    const results = await Promise.all(
      ["a", "b", "c", "d"].map((name) =>
        postBare(`/api/v1/sessions/init?session=${name}`, account.headers),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([202, 202, 409, 409]);
  });

  it("status answers the session, 404 before init; list shows every session of the account", async () => {
    const account = await seedAccount(t);
    const before = await send(t, "GET", "/api/v1/sessions/status", account.headers);
    expect(before.status).toBe(404);
    expect((await readBody(before)).error.code).toBe("not_found");
    await postBare("/api/v1/sessions/init", account.headers);
    await postBare("/api/v1/sessions/init?session=other", account.headers);
    const status = await send(t, "GET", "/api/v1/sessions/status?session=other", account.headers);
    expect(await readBody(status)).toEqual({
      name: "other",
      status: "starting",
      driver: "simulator",
      mode: "test",
      phone_number: null,
      connected_at: null,
      last_active_at: null,
    });
    const list = await readBody(await send(t, "GET", "/api/v1/sessions", account.headers));
    expect(list.data.map((s: { name: string }) => s.name)).toEqual(["default", "other"]);
    expect(list.next_cursor).toBeNull();
  });

  it("serves the QR as PNG by default and as JSON on request; 409 when not waiting for a scan", async () => {
    const account = await seedAccount(t);
    await postBare("/api/v1/sessions/init", account.headers);
    const notYet = await send(t, "GET", "/api/v1/sessions/qr", account.headers);
    expect(notYet.status).toBe(409);
    expect((await readBody(notYet)).error.code).toBe("conflict");

    const row = await sessionRow(account.userId, "default");
    const expiresAt = await showQr(row.id, "2@abcdef,ghijk,lmnop==");
    const png = await send(t, "GET", "/api/v1/sessions/qr", account.headers);
    expect(png.status).toBe(200);
    expect(png.headers.get("content-type")).toBe("image/png");
    const bytes = new Uint8Array(await png.arrayBuffer());
    expect([...bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);

    const json = await t.app.request("/api/v1/sessions/qr", {
      headers: { ...account.headers, accept: "application/json" },
    });
    expect(json.status).toBe(200);
    const body = await readBody(json);
    expect(body).toMatchObject({ qr: "2@abcdef,ghijk,lmnop==", expires_at: expiresAt });
    expect(body.data_url).toMatch(/^data:image\/png;base64,/);
  });

  it("disconnect records a pending logout in the row, nudges the workers and forgets the shown QR", async () => {
    const account = await seedAccount(t);
    await postBare("/api/v1/sessions/init", account.headers);
    const row = await sessionRow(account.userId, "default");
    await showQr(row.id, "2@qr");
    const res = await postBare("/api/v1/sessions/disconnect", account.headers);
    expect(res.status).toBe(202);
    expect(await readBody(res)).toMatchObject({ name: "default", driver: "simulator" });
    // No worker runs here: the logout stays pending in the row until one carries it out.
    const after = await sessionRow(account.userId, "default");
    expect(after.desiredState).toBe("logged_out");
    expect(after.desiredGeneration).toBe(row.desiredGeneration + 1);
    await expect.poll(() => nudgesOf(row.id).length).toBe(2);
    expect(await t.deps.redis.get(sessionQrKey(t.deps.redisPrefix, row.id))).toBeNull();
    expect(
      (await postBare("/api/v1/sessions/disconnect?session=nope", account.headers)).status,
    ).toBe(404);
  });

  it("needs sessions:manage to init or disconnect, any valid key to read", async () => {
    const reader = await seedAccount(t, { scopes: ["messages:read"] });
    for (const path of ["/api/v1/sessions/init", "/api/v1/sessions/disconnect"]) {
      const res = await postBare(path, reader.headers);
      expect(res.status, path).toBe(403);
    }
    expect((await send(t, "GET", "/api/v1/sessions", reader.headers)).status).toBe(200);
    expect((await send(t, "GET", "/api/v1/sessions/status", reader.headers)).status).toBe(404);
    expect((await send(t, "GET", "/api/v1/sessions", {})).status).toBe(401);
  });

  it("streams the current state, then each change, and releases the subscription on disconnect", async () => {
    const account = await seedAccount(t);
    await postBare("/api/v1/sessions/init", account.headers);
    const row = await sessionRow(account.userId, "default");
    await showQr(row.id, "2@first");
    const res = await t.app.request("/api/v1/sessions/events", { headers: account.headers });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}: ${text}`);
        text += decoder.decode(value);
      }
    };
    await readUntil('"qr":"2@first"');
    expect(text).toMatch(/event: status\ndata: \{[^\n]*"status":"qr"/);

    const channel = sessionEventsChannel(t.deps.redisPrefix, row.id);
    await t.deps.redis.publish(
      channel,
      JSON.stringify({
        type: "status",
        session_id: row.id,
        name: "default",
        status: "ready",
        phone_number: "+213661234567",
      }),
    );
    await readUntil('"status":"ready"');
    expect(text).not.toContain(row.id);
    const [, subscribers] = (await t.deps.redis.pubsub("NUMSUB", channel)) as [string, number];
    expect(subscribers).toBe(1);

    await reader.cancel();
    await expect
      .poll(async () => ((await t.deps.redis.pubsub("NUMSUB", channel)) as [string, number])[1])
      .toBe(0);
  });

  it("over a real socket, a client that goes away releases its subscription", async () => {
    const account = await seedAccount(t);
    await postBare("/api/v1/sessions/init", account.headers);
    const row = await sessionRow(account.userId, "default");
    const server = await listen(t.app, 0, "127.0.0.1");
    try {
      const { port } = server.address() as AddressInfo;
      const abort = new AbortController();
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/sessions/events`, {
        headers: { authorization: account.headers.authorization! },
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toContain("event: status");
      const channel = sessionEventsChannel(t.deps.redisPrefix, row.id);
      const subscribers = async () =>
        ((await t.deps.redis.pubsub("NUMSUB", channel)) as [string, number])[1];
      expect(await subscribers()).toBe(1);
      abort.abort();
      await expect.poll(subscribers, { timeout: 20_000 }).toBe(0);
    } finally {
      await closeServer(server);
    }
  });
});
