import { sendQueueName } from "@wagate/contracts";
import { createWebhookQueue, emitEvent, toSessionWire } from "@wagate/core";
import { messages, newId, webhookDeliveries, webhooks, whatsappSessions } from "@wagate/db";
import { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, send, useTestApp } from "../../../test/harness.js";
import { expectAdminRouteSecurity, readBody } from "../../../test/security.js";

const t = useTestApp();
let viewer: Record<string, string>;
const opened: Queue[] = [];

beforeAll(async () => {
  viewer = (await adminHeaders(t, "viewer")).headers;
});
afterAll(async () => {
  await Promise.all(opened.map((q) => q.close()));
});

const get = (path: string) => send(t, "GET", path, viewer);

async function addSession(userId: string, name: string, status: "ready" | "qr" = "ready") {
  const [row] = await t.deps.db
    .insert(whatsappSessions)
    .values({
      id: newId("session"),
      userId,
      name,
      mode: "test",
      driver: "simulator",
      status,
      phoneNumber: status === "ready" ? "+213550000001" : null,
      ownerWorkerId: "host:1:abc",
    })
    .returning();
  return row!;
}

async function addMessage(
  userId: string,
  sessionId: string,
  fields: Partial<typeof messages.$inferInsert> = {},
) {
  const [row] = await t.deps.db
    .insert(messages)
    .values({
      id: newId("message"),
      userId,
      sessionId,
      mode: "test",
      direction: "outbound",
      recipient: "+213661234567",
      type: "text",
      content: "hello",
      status: "queued",
      queuedAt: new Date(),
      ...fields,
    })
    .returning();
  return row!;
}

describe("GET /admin/sessions", () => {
  it("lists every account's sessions with the account name, filtered and paged", async () => {
    const a = await seedAccount(t);
    const b = await seedAccount(t);
    const s1 = await addSession(a.userId, "one");
    const s2 = await addSession(a.userId, "two", "qr");
    const s3 = await addSession(b.userId, "three");
    const all = await readBody(await get("/api/v1/admin/sessions?limit=200"));
    const ids = all.data.map((s: { id: string }) => s.id);
    expect(ids.indexOf(s3.id)).toBeLessThan(ids.indexOf(s1.id));
    expect(all.data.find((s: { id: string }) => s.id === s1.id)).toEqual({
      id: s1.id,
      user_id: a.userId,
      user_name: expect.stringMatching(/^Account /),
      name: "one",
      mode: "test",
      driver: "simulator",
      status: "ready",
      phone_number: "+213550000001",
      owner_worker_id: "host:1:abc",
      last_error: null,
      last_active_at: null,
      connected_at: null,
      created_at: expect.any(String),
    });
    const mine = await readBody(await get(`/api/v1/admin/sessions?user_id=${a.userId}`));
    expect(mine.data.map((s: { id: string }) => s.id)).toEqual([s2.id, s1.id]);
    const waiting = await readBody(
      await get(`/api/v1/admin/sessions?user_id=${a.userId}&status=qr`),
    );
    expect(waiting.data.map((s: { id: string }) => s.id)).toEqual([s2.id]);
    const first = await readBody(await get(`/api/v1/admin/sessions?user_id=${a.userId}&limit=1`));
    expect(first.data.map((s: { id: string }) => s.id)).toEqual([s2.id]);
    const second = await readBody(
      await get(`/api/v1/admin/sessions?user_id=${a.userId}&limit=1&cursor=${first.next_cursor}`),
    );
    expect(second.data.map((s: { id: string }) => s.id)).toEqual([s1.id]);
    expect(second.next_cursor).toBeNull();
  });

  it("refuses bad filters", async () => {
    expect((await get("/api/v1/admin/sessions?status=sleeping")).status).toBe(400);
    expect((await get("/api/v1/admin/sessions?limit=0")).status).toBe(400);
    expect((await get("/api/v1/admin/sessions?cursor=%%%")).status).toBe(400);
  });

  it("is an admin read route", () =>
    expectAdminRouteSecurity(t, { method: "GET", path: "/api/v1/admin/sessions", write: false }));
});

describe("GET /admin/messages", () => {
  it("searches every account by account, status, recipient, direction and time", async () => {
    const a = await seedAccount(t);
    const b = await seedAccount(t);
    const sa = await addSession(a.userId, "default");
    const sb = await addSession(b.userId, "default");
    const m1 = await addMessage(a.userId, sa.id, { status: "read", recipient: "+213661111111" });
    const m2 = await addMessage(a.userId, sa.id, { status: "failed", recipient: "+213662222222" });
    const m3 = await addMessage(b.userId, sb.id, {
      direction: "inbound",
      status: "received",
      recipient: "+213661111111",
    });
    const ids = async (query: string) =>
      (await readBody(await get(`/api/v1/admin/messages?${query}`))).data.map(
        (m: { id: string }) => m.id,
      );
    expect(await ids(`user_id=${a.userId}`)).toEqual([m2.id, m1.id]);
    expect(await ids(`user_id=${a.userId}&status=failed,read`)).toEqual([m2.id, m1.id]);
    expect(await ids(`user_id=${a.userId}&status=failed`)).toEqual([m2.id]);
    expect(await ids("to=%2B213%20661-11-11-11")).toEqual([m3.id, m1.id]);
    expect(await ids("to=2222222")).toEqual([m2.id]);
    expect(await ids(`user_id=${b.userId}&direction=inbound`)).toEqual([m3.id]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await ids(`user_id=${a.userId}&since=${encodeURIComponent(future)}`)).toEqual([]);
    expect(await ids(`user_id=${a.userId}&until=${encodeURIComponent(future)}`)).toEqual([
      m2.id,
      m1.id,
    ]);
    const listed = await readBody(await get(`/api/v1/admin/messages?user_id=${b.userId}`));
    expect(listed.data[0]).toMatchObject({
      id: m3.id,
      user_id: b.userId,
      direction: "inbound",
      from: "+213661111111",
      session: "default",
    });
  });

  it("refuses bad filters", async () => {
    for (const query of ["status=lost", "to=abc", "since=yesterday", "direction=sideways"]) {
      const res = await get(`/api/v1/admin/messages?${query}`);
      expect(res.status, query).toBe(400);
      expect((await readBody(res)).error.code).toBe("validation_failed");
    }
  });

  it("shows one message with its timeline and the webhook deliveries that announced it", async () => {
    const a = await seedAccount(t);
    const sa = await addSession(a.userId, "default");
    const base = Date.now();
    const at = (s: number) => new Date(base + s * 1000);
    const message = await addMessage(a.userId, sa.id, {
      status: "read",
      queuedAt: at(0),
      sendingAt: at(1),
      sentAt: at(2),
      deliveredAt: at(3),
      readAt: at(4),
      createdAt: at(0),
    });
    const other = await addMessage(a.userId, sa.id);
    const [hook] = await t.deps.db
      .insert(webhooks)
      .values({
        id: newId("webhook"),
        userId: a.userId,
        url: "https://example.com/h",
        events: ["message.status"],
        secret: "whsec_x",
      })
      .returning();
    const delivery = (messageId: string, status: "succeeded" | "failed") => ({
      id: newId("webhookDelivery"),
      webhookId: hook!.id,
      userId: a.userId,
      eventType: "message.status",
      payload: { type: "message.status", timestamp: at(2).toISOString(), data: { id: messageId } },
      status,
      attempts: 1,
      lastStatusCode: status === "succeeded" ? 200 : 500,
    });
    const mine = delivery(message.id, "succeeded");
    await t.deps.db.insert(webhookDeliveries).values([mine, delivery(other.id, "failed")]);

    const res = await get(`/api/v1/admin/messages/${message.id}`);
    expect(res.status).toBe(200);
    const body = await readBody(res);
    expect(body).toMatchObject({ id: message.id, user_id: a.userId, status: "read" });
    expect(body.timeline).toEqual([
      { status: "queued", at: at(0).toISOString() },
      { status: "sending", at: at(1).toISOString() },
      { status: "sent", at: at(2).toISOString() },
      { status: "delivered", at: at(3).toISOString() },
      { status: "read", at: at(4).toISOString() },
    ]);
    expect(body.webhook_deliveries).toEqual([
      {
        id: mine.id,
        webhook_id: hook!.id,
        event_type: "message.status",
        status: "succeeded",
        attempts: 1,
        last_status_code: 200,
        created_at: expect.any(String),
      },
    ]);
    const missing = await get("/api/v1/admin/messages/msg_01JB7Z0000000000000000000");
    expect(missing.status).toBe(404);
    expect((await readBody(missing)).error.code).toBe("not_found");
  });

  it("are admin read routes", async () => {
    await expectAdminRouteSecurity(t, {
      method: "GET",
      path: "/api/v1/admin/messages",
      write: false,
    });
    await expectAdminRouteSecurity(t, {
      method: "GET",
      path: "/api/v1/admin/messages/msg_01JB7Z0000000000000000000",
      write: false,
    });
  });
});

describe("GET /admin/queues", () => {
  it("counts each send queue and the webhooks queue, with the oldest waiting age", async () => {
    const a = await seedAccount(t);
    const session = await addSession(a.userId, "queued");
    const queue = new Queue(sendQueueName(session.id), {
      connection: t.deps.redis,
      prefix: t.deps.redisPrefix,
    });
    opened.push(queue);
    await queue.add("send", { messageId: newId("message") }, { timestamp: Date.now() - 90_000 });
    await queue.add("send", { messageId: newId("message") });
    await queue.add("send", { messageId: newId("message") }, { delay: 600_000 });
    const hooks = createWebhookQueue(t.deps.redis, t.deps.redisPrefix);
    opened.push(hooks);
    await hooks.add("deliver", { deliveryId: newId("webhookDelivery") });

    const res = await get("/api/v1/admin/queues");
    expect(res.status).toBe(200);
    const body = await readBody(res);
    const mine = body.send_queues.find((q: { session_id: string }) => q.session_id === session.id);
    expect(mine).toMatchObject({
      name: `send-${session.id}`,
      user_id: a.userId,
      session: "queued",
      waiting: 2,
      active: 0,
      delayed: 1,
      failed: 0,
    });
    expect(mine.oldest_waiting_age_seconds).toBeGreaterThanOrEqual(89);
    expect(body.send.waiting).toBeGreaterThanOrEqual(2);
    expect(body.send.oldest_waiting_age_seconds).toBeGreaterThanOrEqual(89);
    expect(body.webhooks).toMatchObject({ waiting: 1, active: 0, delayed: 0, failed: 0 });
    expect(body.webhooks.oldest_waiting_age_seconds).toBeLessThan(60);
  });

  it("is an admin read route", () =>
    expectAdminRouteSecurity(t, { method: "GET", path: "/api/v1/admin/queues", write: false }));
});

describe("GET /admin/events", () => {
  it("streams emitted events live, filtered by account and type", async () => {
    const a = await seedAccount(t);
    const b = await seedAccount(t);
    const session = await addSession(a.userId, "live");
    const res = await get(`/api/v1/admin/events?user_id=${a.userId}&type=session.status`);
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
    await readUntil("event: ready");
    const hooks = createWebhookQueue(t.deps.redis, t.deps.redisPrefix);
    opened.push(hooks);
    const wire = toSessionWire(session);
    // Filtered out: another account, another type. Then the one that matches.
    await emitEvent(t.deps.db, hooks, { userId: b.userId, type: "session.status", data: wire });
    const msg = await addMessage(a.userId, session.id);
    const { toMessageWire } = await import("@wagate/core");
    await emitEvent(t.deps.db, hooks, {
      userId: a.userId,
      type: "message.status",
      data: toMessageWire(msg, { name: "live" }),
    });
    await emitEvent(t.deps.db, hooks, {
      userId: a.userId,
      type: "session.status",
      data: { ...wire, status: "disconnected" },
    });
    await readUntil('"status":"disconnected"');
    await reader.cancel();
    const events = text.split("\n\n").filter((e) => e.startsWith("event: session.status"));
    expect(events).toHaveLength(1);
    const data = JSON.parse(events[0]!.split("\ndata: ")[1]!);
    expect(data).toMatchObject({
      type: "session.status",
      user_id: a.userId,
      timestamp: expect.any(String),
      data: { name: "live", status: "disconnected" },
    });
    expect(text).not.toContain(b.userId);
    expect(text).not.toContain("message.status");
  });

  it("refuses unknown types", async () => {
    const res = await get("/api/v1/admin/events?type=message.status,nope");
    expect(res.status).toBe(400);
  });

  it("is an admin read route", () =>
    // An invalid filter answers the viewer 400 after authentication, so the probe ends
    // instead of holding a stream open; every refusal before it is what is checked.
    expectAdminRouteSecurity(t, {
      method: "GET",
      path: "/api/v1/admin/events?type=nope",
      write: false,
    }));
});

describe("admin views stay out of account reach", () => {
  it("a deleted session's messages still show with a null session", async () => {
    const a = await seedAccount(t);
    const s = await addSession(a.userId, "gone");
    const m = await addMessage(a.userId, s.id);
    await t.deps.db.delete(whatsappSessions).where(eq(whatsappSessions.id, s.id));
    const body = await readBody(await get(`/api/v1/admin/messages/${m.id}`));
    expect(body).toMatchObject({ id: m.id, session: null });
  });
});
