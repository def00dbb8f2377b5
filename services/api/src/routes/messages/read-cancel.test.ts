import { QUEUES } from "@wagate/contracts";
import { quotaUsed } from "@wagate/core";
import { messages, newId, webhookDeliveries, webhooks } from "@wagate/db";
import { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { seedAccount, send, useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";
import { accountWithSession, postJson, sendQueue } from "./test-helpers.js";

const t = useTestApp();
const TO = "+213661234567";

async function sendText(headers: Record<string, string>, body: Record<string, unknown>) {
  const res = await postJson(t, "/api/v1/messages/send-text", headers, body);
  expect(res.status).toBe(202);
  return readBody(res);
}

describe("GET /messages", () => {
  it("lists the account's messages newest first, with filters and cursor pages, at both paths", async () => {
    const a = await accountWithSession(t);
    const m1 = await sendText(a.headers, { to: TO, text: "one" });
    const m2 = await sendText(a.headers, { to: "+213551234567", text: "two" });
    const m3 = await sendText(a.headers, { to: TO, text: "three" });
    // A fixture: the worker would record this through the lifecycle.
    await t.deps.db
      .update(messages)
      .set({ status: "sent", sentAt: new Date() })
      .where(eq(messages.id, m2.id));
    const inboundId = newId("message");
    await t.deps.db.insert(messages).values({
      id: inboundId,
      userId: a.userId,
      sessionId: a.sessionId,
      mode: "test",
      direction: "inbound",
      recipient: TO,
      type: "text",
      content: "reply",
      status: "received",
      receivedAt: new Date(),
    });

    const all = await readBody(await send(t, "GET", "/api/v1/messages", a.headers));
    expect(all.data.map((m: { id: string }) => m.id)).toEqual([inboundId, m3.id, m2.id, m1.id]);
    expect(all.data[0]).toMatchObject({
      direction: "inbound",
      from: TO,
      to: null,
      text: "reply",
      session: "default",
    });

    const ids = async (query: string) =>
      (await readBody(await send(t, "GET", `/api/v1/messages/list?${query}`, a.headers))).data.map(
        (m: { id: string }) => m.id,
      );
    expect(await ids("status=sent")).toEqual([m2.id]);
    expect(await ids("status=queued,received")).toEqual([inboundId, m3.id, m1.id]);
    expect(await ids(`to=${encodeURIComponent("+213 661 23 45 67")}`)).toEqual([
      inboundId,
      m3.id,
      m1.id,
    ]);
    expect(await ids("direction=outbound&to=%2B213661234567")).toEqual([m3.id, m1.id]);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect(await ids(`since=${encodeURIComponent(future)}`)).toEqual([]);
    expect(await ids(`until=${encodeURIComponent(future)}`)).toHaveLength(4);

    const page1 = await readBody(await send(t, "GET", "/api/v1/messages?limit=3", a.headers));
    expect(page1.data).toHaveLength(3);
    const page2 = await readBody(
      await send(t, "GET", `/api/v1/messages?limit=3&cursor=${page1.next_cursor}`, a.headers),
    );
    expect(page2.data.map((m: { id: string }) => m.id)).toEqual([m1.id]);
    expect(page2.next_cursor).toBeNull();

    for (const bad of [
      "status=nope",
      "direction=sideways",
      "since=yesterday",
      "limit=500",
      "to=abc",
      "cursor=zzz",
    ]) {
      const res = await send(t, "GET", `/api/v1/messages?${bad}`, a.headers);
      expect(res.status, bad).toBe(400);
    }
  });

  it("a test key sees test messages only; messages:read is needed", async () => {
    const writer = await seedAccount(t, { scopes: ["messages:send"] });
    expect((await send(t, "GET", "/api/v1/messages", writer.headers)).status).toBe(403);
    const a = await accountWithSession(t);
    await sendText(a.headers, { to: TO, text: "test mode" });
    await t.deps.db.update(messages).set({ mode: "live" }).where(eq(messages.userId, a.userId));
    expect((await readBody(await send(t, "GET", "/api/v1/messages", a.headers))).data).toEqual([]);
  });

  it("GET /messages/{id} answers one message, 404 for an unknown id", async () => {
    const a = await accountWithSession(t);
    const m = await sendText(a.headers, { to: TO, text: "get me" });
    const res = await send(t, "GET", `/api/v1/messages/${m.id}`, a.headers);
    expect(res.status).toBe(200);
    expect(await readBody(res)).toEqual(m);
    expect(
      (await send(t, "GET", "/api/v1/messages/msg_01J00000000000000000000000", a.headers)).status,
    ).toBe(404);
  });
});

describe("DELETE /messages/{id}", () => {
  it("cancels a scheduled message once: refunds its unit, removes its job, announces message.status", async () => {
    const a = await accountWithSession(t);
    await t.deps.db.insert(webhooks).values({
      id: newId("webhook"),
      userId: a.userId,
      url: "http://127.0.0.1:9/hook",
      events: ["message.status"],
      secret: "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=",
    });
    const sendAt = new Date(t.deps.now().getTime() + 3600_000).toISOString();
    const m = await sendText(a.headers, { to: TO, text: "later", send_at: sendAt });
    const used = () =>
      quotaUsed(t.deps.redis, t.deps.redisPrefix, {
        userId: a.userId,
        mode: "test",
        now: t.deps.now(),
      });
    expect(await used()).toBe(1);

    const res = await send(t, "DELETE", `/api/v1/messages/${m.id}`, a.headers);
    expect(res.status).toBe(200);
    const body = await readBody(res);
    expect(body).toMatchObject({ id: m.id, status: "cancelled" });
    expect(body.cancelled_at).not.toBeNull();
    expect(await used()).toBe(0);
    const queue = sendQueue(t, a.sessionId);
    expect(await queue.getJob(m.id)).toBeUndefined();
    await queue.close();

    const deliveries = await t.deps.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.userId, a.userId));
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.payload).toMatchObject({
      type: "message.status",
      data: { id: m.id, status: "cancelled" },
    });
    const hooks = new Queue(QUEUES.webhooks, {
      connection: t.deps.redis,
      prefix: t.deps.redisPrefix,
    });
    expect(await hooks.getJob(deliveries[0]!.id)).toBeDefined();
    await hooks.close();

    const again = await send(t, "DELETE", `/api/v1/messages/${m.id}`, a.headers);
    expect(again.status).toBe(409);
    expect((await readBody(again)).error.code).toBe("conflict");
    expect(await used()).toBe(0);
  });

  it("refuses with 409 once the worker has taken the message", async () => {
    const a = await accountWithSession(t);
    const m = await sendText(a.headers, { to: TO, text: "now" });
    await t.deps.db
      .update(messages)
      .set({ status: "sending", sendingAt: new Date() })
      .where(eq(messages.id, m.id));
    const res = await send(t, "DELETE", `/api/v1/messages/${m.id}`, a.headers);
    expect(res.status).toBe(409);
    expect((await readBody(res)).error.details).toEqual({ status: "sending" });
  });

  it("needs messages:send; an unknown id is 404", async () => {
    const reader = await seedAccount(t, { scopes: ["messages:read"] });
    expect(
      (await send(t, "DELETE", "/api/v1/messages/msg_01J00000000000000000000000", reader.headers))
        .status,
    ).toBe(403);
    const a = await accountWithSession(t);
    expect(
      (await send(t, "DELETE", "/api/v1/messages/msg_01J00000000000000000000000", a.headers))
        .status,
    ).toBe(404);
  });
});
