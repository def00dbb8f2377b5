import { sessionCommandChannel, sessionEventsChannel, sessionQrKey } from "@wagate/contracts";
import { auditLogs, pairingLinks, users, whatsappSessions } from "@wagate/db";
import { eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, send, useTestApp } from "../../../test/harness.js";
import { expectAdminRouteSecurity, readBody } from "../../../test/security.js";
import { hashPairingToken } from "../../domain/pairing/token.js";

const t = useTestApp({ TRUST_PROXY: "true" });
let owner: Record<string, string>;
let listener: Redis;
/** Every nudge published on the owners' channel. */
const nudges: { sessionId?: string; action?: string }[] = [];

beforeAll(async () => {
  owner = (await adminHeaders(t, "owner")).headers;
  listener = t.deps.redis.duplicate();
  listener.on("message", (_channel, body: string) => nudges.push(JSON.parse(body)));
  await listener.subscribe(sessionCommandChannel(t.deps.redisPrefix));
});
afterAll(async () => {
  await listener.quit();
});

const linkPath = (userId: string, name = "default") =>
  `/api/v1/users/${userId}/sessions/${name}/pairing-links`;

/** Creates a link as an owner; returns the answer and the raw token taken from its URL. */
async function makeLink(userId: string, body: unknown = {}, name = "default") {
  const res = await send(t, "POST", linkPath(userId, name), owner, body);
  expect(res.status, await res.clone().text()).toBe(201);
  const link = await readBody(res);
  const token = String(link.url).split("/console/pair/")[1]!;
  return { link, token };
}

async function sessionOf(userId: string, name = "default") {
  const rows = await t.deps.db
    .select()
    .from(whatsappSessions)
    .where(eq(whatsappSessions.userId, userId));
  return rows.find((r) => r.name === name)!;
}

const setStatus = (sessionId: string, status: "qr" | "ready" | "stopped") =>
  t.deps.db
    .update(whatsappSessions)
    .set({ status, phoneNumber: status === "ready" ? "+213661234567" : null })
    .where(eq(whatsappSessions.id, sessionId));

const pub = (path: string, init: RequestInit = {}) =>
  t.app.request(`/api/v1/pairing/${path}`, init);

describe("pairing links (admin)", () => {
  it("makes a single-use link, starts the session in the key's mode and stores only a hash", async () => {
    const account = await seedAccount(t, { mode: "test" });
    const { link, token } = await makeLink(account.userId, { expires_in_seconds: 600 });
    expect(link.id).toMatch(/^pln_/);
    expect(link.url).toMatch(/^http:\/\/localhost\/console\/pair\/wpl_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(link.expires_at) - t.deps.now().getTime()).toBeGreaterThan(590_000);
    expect(Date.parse(link.expires_at) - t.deps.now().getTime()).toBeLessThanOrEqual(600_000);

    const session = await sessionOf(account.userId);
    expect(session).toMatchObject({
      mode: "test",
      driver: "simulator",
      status: "starting",
      desiredState: "running",
    });
    await expect
      .poll(() => nudges.filter((n) => n.sessionId === session.id))
      .toEqual([{ sessionId: session.id, action: "sync" }]);

    const [row] = await t.deps.db.select().from(pairingLinks).where(eq(pairingLinks.id, link.id));
    expect(row!.tokenHash).toBe(hashPairingToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    const audits = await t.deps.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.targetId, session.id));
    expect(audits.map((a) => a.action)).toContain("pairing_link.create");
    expect(JSON.stringify(audits)).not.toContain(token.slice(4));
  });

  it("follows the account: live without keys, 15 minutes by default", async () => {
    const account = await seedAccount(t, { mode: "live" });
    const { link } = await makeLink(account.userId, undefined, "shop");
    expect(Date.parse(link.expires_at) - t.deps.now().getTime()).toBeGreaterThan(890_000);
    expect(await sessionOf(account.userId, "shop")).toMatchObject({
      mode: "live",
      driver: "webjs",
    });
  });

  it("refuses bad input, unknown accounts, a full account and an already linked session", async () => {
    const account = await seedAccount(t, { maxSessions: 1 });
    for (const body of [
      { expires_in_seconds: 59 },
      { expires_in_seconds: 86_401 },
      { expires_in_seconds: "x" },
    ]) {
      const res = await send(t, "POST", linkPath(account.userId), owner, body);
      expect(res.status).toBe(422);
      expect((await readBody(res)).error.code).toBe("validation_failed");
    }
    const badName = await send(t, "POST", linkPath(account.userId, "-bad"), owner, {});
    expect(badName.status).toBe(400);
    const unknown = await send(t, "POST", linkPath("usr_01JB7Z0000000000000000000"), owner, {});
    expect(unknown.status).toBe(404);
    expect((await readBody(unknown)).error.code).toBe("not_found");

    await makeLink(account.userId);
    const full = await send(t, "POST", linkPath(account.userId, "second"), owner, {});
    expect(full.status).toBe(409);
    expect((await readBody(full)).error.details).toMatchObject({ max_sessions: 1 });

    await setStatus((await sessionOf(account.userId)).id, "ready");
    const linked = await send(t, "POST", linkPath(account.userId), owner, {});
    expect(linked.status).toBe(409);
    expect((await readBody(linked)).error.message).toContain("already linked");

    await t.deps.db.update(users).set({ isActive: false }).where(eq(users.id, account.userId));
    const inactive = await send(t, "POST", linkPath(account.userId, "other"), owner, {});
    expect(inactive.status).toBe(409);
  });

  it("is an admin write route", async () => {
    const account = await seedAccount(t);
    await expectAdminRouteSecurity(t, {
      method: "POST",
      path: linkPath(account.userId),
      body: {},
      write: true,
    });
  });
});

describe("pairing page API (public)", () => {
  it("shows only the session's name, status and phone, then the QR while waiting", async () => {
    const account = await seedAccount(t);
    const { link, token } = await makeLink(account.userId);
    const res = await pub(token);
    expect(res.status).toBe(200);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const state = await readBody(res);
    expect(state).toEqual({
      session: { name: "default", status: "starting", phone_number: null },
      expires_at: link.expires_at,
      used: false,
      used_at: null,
    });
    expect(JSON.stringify(state)).not.toMatch(/usr_|ses_|wag_/);

    const notYet = await pub(`${token}/qr`);
    expect(notYet.status).toBe(409);
    expect((await readBody(notYet)).error.details).toMatchObject({ status: "starting" });

    const session = await sessionOf(account.userId);
    await setStatus(session.id, "qr");
    await t.deps.redis.set(
      sessionQrKey(t.deps.redisPrefix, session.id),
      JSON.stringify({ qr: "sim:pair:1", expires_at: new Date(Date.now() + 60_000).toISOString() }),
    );
    const qr = await pub(`${token}/qr`);
    expect(qr.status).toBe(200);
    const body = await readBody(qr);
    expect(body.qr).toBe("sim:pair:1");
    expect(body.data_url).toMatch(/^data:image\/png;base64,/);
  });

  it("answers 404 for unknown, malformed and expired links", async () => {
    const account = await seedAccount(t);
    const { token } = await makeLink(account.userId, { expires_in_seconds: 60 });
    for (const path of [
      `wpl_${"A".repeat(43)}`,
      "not-a-token",
      `${token}x`,
      `wpl_${"A".repeat(43)}/qr`,
      `wpl_${"A".repeat(43)}/events`,
    ]) {
      const res = await pub(path);
      expect(res.status, path).toBe(404);
      expect((await readBody(res)).error.code).toBe("not_found");
    }
    const saved = t.clock.now;
    t.clock.now = new Date(saved.getTime() + 61_000);
    try {
      expect((await pub(token)).status).toBe(404);
      expect((await pub(`${token}/qr`)).status).toBe(404);
    } finally {
      t.clock.now = saved;
    }
    expect((await pub(token)).status).toBe(200);
  });

  it("is used up by the first answer that finds the session ready", async () => {
    const account = await seedAccount(t);
    const { token } = await makeLink(account.userId);
    await setStatus((await sessionOf(account.userId)).id, "ready");
    const first = await readBody(await pub(token));
    expect(first).toMatchObject({
      session: { status: "ready", phone_number: "+213661234567" },
      used: true,
    });
    expect(first.used_at).toEqual(expect.any(String));
    expect((await pub(token)).status).toBe(404);
    expect((await pub(`${token}/qr`)).status).toBe(404);
  });

  it("streams status and QR changes and spends the link when the session links", async () => {
    const account = await seedAccount(t);
    const { token } = await makeLink(account.userId);
    const session = await sessionOf(account.userId);
    const res = await pub(`${token}/events`);
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
    await readUntil('"status":"starting"');
    const channel = sessionEventsChannel(t.deps.redisPrefix, session.id);
    await t.deps.redis.publish(
      channel,
      JSON.stringify({ type: "qr", session_id: session.id, qr: "sim:x:2", expires_at: null }),
    );
    await readUntil('"qr":"sim:x:2"');
    expect(text).toMatch(/event: qr\ndata: \{[^\n]*"data_url":"data:image\/png;base64,/);
    await t.deps.redis.publish(
      channel,
      JSON.stringify({
        type: "status",
        session_id: session.id,
        name: "default",
        status: "ready",
        driver: "simulator",
        mode: "test",
        phone_number: "+213661234567",
        last_error: null,
      }),
    );
    await readUntil('"used":true');
    expect(text).toMatch(/event: status\ndata: \{[^\n]*"status":"ready"[^\n]*"used":true/);
    expect(text).not.toContain(session.id);
    expect(text).not.toContain("simulator");
    await reader.cancel();
    expect((await pub(token)).status).toBe(404);
  });

  it("ends the event stream when the link expires", async () => {
    const account = await seedAccount(t);
    const { link, token } = await makeLink(account.userId, { expires_in_seconds: 60 });
    const saved = t.clock.now;
    t.clock.now = new Date(Date.parse(link.expires_at) - 1500);
    try {
      const res = await pub(`${token}/events`);
      expect(res.status).toBe(200);
      const text = await res.text(); // resolves only when the server ends the stream
      expect(text).toContain("event: status");
    } finally {
      t.clock.now = saved;
    }
  });

  it("validates a pairing-code request, 409 unless waiting for a scan, 503 when no worker answers", async () => {
    const account = await seedAccount(t);
    const { token } = await makeLink(account.userId);
    const post = (body: unknown) =>
      pub(`${token}/pairing-code`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await post({ phone: "12" })).status).toBe(422);
    expect((await post({ phone: "+1 555" })).status).toBe(422);
    expect((await post({})).status).toBe(422);
    const starting = await post({ phone: "+213 661 23 45 67" });
    expect(starting.status).toBe(409);
    expect((await readBody(starting)).error.details).toMatchObject({ status: "starting" });
    // Waiting for a scan, but no worker runs in this file: nobody answers.
    await setStatus((await sessionOf(account.userId)).id, "qr");
    const res = await post({ phone: "+213 661 23 45 67" });
    expect(res.status).toBe(503);
    expect((await readBody(res)).error.code).toBe("service_unavailable");
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    const unknown = await pub(`wpl_${"B".repeat(43)}/pairing-code`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ phone: "+213661234567" }),
    });
    expect(unknown.status).toBe(404);
  });

  it("rate-limits each client address", async () => {
    const headers = { "x-forwarded-for": "198.51.100.77" };
    let last: Response | undefined;
    for (let i = 0; i <= 120; i++) last = await pub(`wpl_${"C".repeat(43)}`, { headers });
    expect(last!.status).toBe(429);
    expect(last!.headers.get("retry-after")).toMatch(/^\d+$/);
    const other = await pub(`wpl_${"C".repeat(43)}`, {
      headers: { "x-forwarded-for": "198.51.100.78" },
    });
    expect(other.status).toBe(404);
  });
});
