import { sessionQrKey as qrKey, sessionEventsChannel } from "@wagate/contracts";
import { quotaKey } from "@wagate/core";
import { messages, newId, webhookDeliveries, webhooks } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulatedPhoneNumber } from "../src/drivers/simulator.js";
import {
  enqueueTexts,
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

beforeAll(async () => {
  userId = await seedAccount(env);
  await env.db.db.insert(webhooks).values({
    id: newId("webhook"),
    userId,
    url: "https://hooks.example.com/wagate",
    events: ["message.status", "message.received", "session.status"],
    secret: "whsec_dGVzdA==",
  });
});
afterAll(() => h.stopAll());

describe("simulator session through the worker", () => {
  it("shows a QR, links, and publishes every status to the row, Redis and pub/sub", async () => {
    sessionId = await seedSession(env, userId);
    h.simOptions.set(sessionId, { linkDelayMs: 600 });
    const events: Array<{ type: string; status?: string; qr?: string }> = [];
    const sub = env.redis.redis.duplicate();
    sub.on("message", (_c, body: string) => events.push(JSON.parse(body)));
    await sub.subscribe(sessionEventsChannel(env.redis.prefix, sessionId));

    const worker = await h.startWorker();
    const qr = await waitFor(() => env.redis.redis.get(qrKey(env.redis.prefix, sessionId)), {
      what: "qr key",
    });
    expect(JSON.parse(qr)).toMatchObject({
      qr: expect.stringMatching(/^sim:/),
      expires_at: expect.any(String),
    });
    expect((await sessionRow(env, sessionId)).status).toBe("qr");

    const ready = await waitFor(async () => {
      const row = await sessionRow(env, sessionId);
      return row.status === "ready" ? row : null;
    });
    expect(ready.phoneNumber).toBe(simulatedPhoneNumber(sessionId));
    expect(ready.connectedAt).toBeInstanceOf(Date);
    expect(ready.ownerWorkerId).toBe(worker.workerId);
    expect(ready.leaseToken).toBeGreaterThan(0);
    expect(await env.redis.redis.get(qrKey(env.redis.prefix, sessionId))).toBeNull();
    await waitFor(async () => events.some((e) => e.type === "status" && e.status === "ready"));
    expect(events.map((e) => (e.type === "qr" ? "qr" : e.status))).toEqual(
      expect.arrayContaining(["starting", "qr", "ready"]),
    );
    await sub.quit();
    // The webhook is queued right after the pub/sub message.
    const statuses = await waitFor(async () => {
      const hooks = await env.db.db
        .select()
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.userId, userId),
            eq(webhookDeliveries.eventType, "session.status"),
          ),
        );
      const seen = hooks.map((d) => (d.payload as { data: { status: string } }).data.status);
      return seen.includes("ready") ? seen : null;
    });
    expect(statuses).toEqual(expect.arrayContaining(["starting", "qr", "ready"]));
  });

  it("sends a text: sent, delivered, read with their times, once, one webhook per change", async () => {
    const [id] = await enqueueTexts(env, { userId, sessionId, to: "+213661234567", text: "hi" });
    const row = await waitForStatus(env, id!, "read");
    expect(row.waMessageId).toMatch(/^sim_/);
    expect(row.attempts).toBe(1);
    expect(row.sendingAt).toBeInstanceOf(Date);
    expect(row.sentAt!.getTime()).toBeLessThanOrEqual(row.deliveredAt!.getTime());
    expect(row.deliveredAt!.getTime()).toBeLessThanOrEqual(row.readAt!.getTime());
    expect(h.network.sendCount(id!)).toBe(1);
    const statuses = await waitFor(async () => {
      const rows = await env.db.db
        .select({ payload: webhookDeliveries.payload })
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.eventType, "message.status"));
      const mine = rows
        .map((r) => (r.payload as { data: { id: string; status: string } }).data)
        .filter((d) => d.id === id);
      return mine.length >= 4 ? mine.map((d) => d.status) : null;
    });
    expect(statuses.sort()).toEqual(["delivered", "read", "sending", "sent"]);
  });

  it("fails a number not on WhatsApp at once and gives its quota unit back", async () => {
    const day = new Date().toISOString().slice(0, 10);
    const key = quotaKey(env.redis.prefix, { userId, mode: "test" }, day);
    await env.redis.redis.set(key, "5");
    const [id] = await enqueueTexts(env, { userId, sessionId, to: "+213660000000" });
    const row = await waitForStatus(env, id!, "failed");
    expect(row.errorCode).toBe("not_on_whatsapp");
    expect(row.attempts).toBe(1);
    expect(row.quotaRefundedAt).toBeInstanceOf(Date);
    // The unit goes back in Redis just after the row is marked failed.
    await waitFor(async () => (await env.redis.redis.get(key)) === "4", { what: "the refund" });
    expect(h.network.sendCount(id!)).toBe(0);
  });

  it("leaves a never-delivered number at sent", async () => {
    const [id] = await enqueueTexts(env, { userId, sessionId, to: "+213660000001" });
    await waitForStatus(env, id!, "sent");
    await new Promise((r) => setTimeout(r, 300));
    const row = await messageRow(env, id!);
    expect(row.status).toBe("sent");
    expect(row.deliveredAt).toBeNull();
  });

  it("retries a transient failure and sends once", async () => {
    const [id] = await enqueueTexts(env, { userId, sessionId, to: "+213660000002" });
    const row = await waitForStatus(env, id!, "read");
    expect(row.attempts).toBe(2);
    expect(row.errorCode).toBeNull();
    expect(h.network.sendCount(id!)).toBe(1);
  });

  it("records an inbound reply and announces it", async () => {
    await enqueueTexts(env, { userId, sessionId, to: "+213661112233", text: "echo pong" });
    const inbound = await waitFor(async () => {
      const [row] = await env.db.db
        .select()
        .from(messages)
        .where(and(eq(messages.sessionId, sessionId), eq(messages.direction, "inbound")));
      return row;
    });
    expect(inbound).toMatchObject({
      status: "received",
      recipient: "+213661112233",
      content: "pong",
      type: "text",
    });
    await waitFor(async () => {
      const [d] = await env.db.db
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.eventType, "message.received"));
      return d;
    });
  });

  it("keeps read when the read ack arrives before delivered, with every time set", async () => {
    const other = await seedSession(env, userId);
    h.simOptions.set(other, { ackDelays: { sent: 1, delivered: 120, read: 30 } });
    await h.workers[0]!.manager.claimAll();
    await waitFor(async () => (await sessionRow(env, other)).status === "ready");
    const [id] = await enqueueTexts(env, { userId, sessionId: other, to: "+213661234568" });
    await waitForStatus(env, id!, "read");
    await new Promise((r) => setTimeout(r, 200));
    const row = await messageRow(env, id!);
    expect(row.status).toBe("read");
    expect(row.sentAt).toBeInstanceOf(Date);
    expect(row.deliveredAt).toBeInstanceOf(Date);
    expect(row.readAt).toBeInstanceOf(Date);
  });

  it("exposes worker metrics on its registry", async () => {
    const text = await h.workers[0]!.registry.metrics();
    expect(text).toMatch(/wagate_messages_total\{status="sent",error_code=""\} [1-9]/);
    expect(text).toMatch(/wagate_messages_total\{status="failed",error_code="not_on_whatsapp"\} 1/);
    expect(text).toMatch(/wagate_send_latency_seconds_count [1-9]/);
    expect(text).toMatch(/wagate_ack_latency_seconds_count\{status="read"\} [1-9]/);
    expect(text).toMatch(/wagate_sessions\{status="ready"\} 2/);
    expect(text).toMatch(/wagate_worker_sessions_owned 2/);
    expect(text).toMatch(/wagate_send_queue_jobs\{state="waiting"\} 0/);
    expect(text).toMatch(/wagate_send_queue_oldest_age_seconds 0/);
  });
});
