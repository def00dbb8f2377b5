import { invalidateWebhookSubscriptions } from "@wagate/core";
import { webhookDeliveries, webhooks } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { and, eq } from "drizzle-orm";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startWebhookDeliveryWorker,
  type WebhookDeliveryWorker,
} from "../src/webhooks/delivery-worker.js";
import { createWorker, type WhatsAppWorker } from "../src/worker.js";
import { FAST_OPTIONS, seedAccount, seedSession, sessionRow, waitFor } from "./helpers.js";
import { stubDrivers } from "./stub-driver.js";
import { seedWebhook, startReceiver } from "./webhooks-helpers.js";

/**
 * Group and call events (issue 12) go through the session's `EventInbox` and the durable
 * webhook deliveries like message events: a failing endpoint gets them again, and an event
 * whose write fails is parked and written on the replay instead of being lost.
 */
const env = useTestEnv();
const drivers = stubDrivers();
let worker: WhatsAppWorker;
let deliveries: WebhookDeliveryWorker;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let userId: string;
let sessionId: string;
let flaky: { id: string };

beforeAll(async () => {
  receiver = await startReceiver();
  userId = await seedAccount(env);
  sessionId = await seedSession(env, userId);
  // Before the worker starts, so its webhook cache has it from the first read.
  flaky = await seedWebhook(env, {
    userId,
    url: receiver.url("/flaky"),
    events: ["group.participants", "group.update", "call.received"],
  });
  worker = createWorker({
    db: env.db.db,
    redis: env.redis.redis,
    redisPrefix: env.redis.prefix,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    registry: new Registry(),
    driverFactory: drivers.factory,
    options: FAST_OPTIONS,
  });
  await worker.start();
  deliveries = startWebhookDeliveryWorker({
    db: env.db.db,
    redis: env.redis.redis,
    redisPrefix: env.redis.prefix,
    logger: pino({ level: "silent" }),
    registry: new Registry(),
    allowPrivate: true,
    options: { retryScheduleMs: [100, 100, 100], timeoutMs: 2000, jitterRatio: 0 },
  });
  await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready", {
    timeoutMs: 20_000,
    what: "session ready",
  });
});
afterAll(async () => {
  await worker?.stop();
  await deliveries?.close();
  await receiver?.close();
});

const person = { phone: "+213661234567", lid: "111222333444555@lid" };
const GROUP = "120363000000000001@g.us";
const typeOf = (body: string) => (JSON.parse(body) as { type: string }).type;

describe("group and call events are retried like message events", () => {
  it("a failing endpoint gets group.participants, group.update and call.received again", async () => {
    const hook = flaky;
    // Each event type fails its first delivery with a 500.
    const seen = new Set<string>();
    receiver.behaviours.set("/flaky", (request) => {
      const type = typeOf(request.body);
      if (seen.has(type)) return 204;
      seen.add(type);
      return 500;
    });
    const driver = drivers.latest();
    const at = new Date();
    driver.emit("group_participants", {
      group: GROUP,
      action: "add",
      participants: [person],
      by: null,
      at,
    });
    driver.emit("group_update", { group: GROUP, field: "subject", value: "New", by: person, at });
    driver.emit("call", {
      id: "call-1",
      from: person.phone,
      fromLid: person.lid,
      isVideo: false,
      isGroup: false,
      at,
    });
    const rows = await waitFor(
      async () => {
        const found = await env.db.db
          .select()
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.webhookId, hook.id));
        return found.length === 3 && found.every((r) => r.status === "succeeded") ? found : null;
      },
      { timeoutMs: 30_000, what: "three events delivered after a failure each" },
    );
    expect(rows.map((r) => r.eventType).sort()).toEqual([
      "call.received",
      "group.participants",
      "group.update",
    ]);
    expect(rows.every((r) => r.attempts === 2)).toBe(true);
    for (const type of ["group.participants", "group.update", "call.received"]) {
      expect(receiver.on("/flaky").filter((r) => typeOf(r.body) === type)).toHaveLength(2);
    }
  });

  it("an event whose write fails is parked and written on the replay", async () => {
    const first = await seedWebhook(env, {
      userId,
      url: receiver.url("/first"),
      events: ["group.update"],
    });
    const driver = drivers.latest();
    const change = (value: string) => ({
      group: GROUP,
      field: "description" as const,
      value,
      by: person,
      at: new Date(),
    });
    await invalidateWebhookSubscriptions(env.redis.redis, env.redis.prefix, userId, console);
    await waitFor(
      async () => {
        driver.emit("group_update", change("warm"));
        await new Promise((r) => setTimeout(r, 100));
        return (
          (
            await env.db.db
              .select()
              .from(webhookDeliveries)
              .where(eq(webhookDeliveries.webhookId, first.id))
          ).length > 0
        );
      },
      { what: "the first webhook's delivery (the worker has cached it)" },
    );
    // The webhook goes away behind the worker's back (its invalidation never arrives) and a
    // new one takes its place: the next write names the gone one and fails.
    await env.db.db.delete(webhooks).where(eq(webhooks.id, first.id));
    const second = await seedWebhook(env, {
      userId,
      url: receiver.url("/second"),
      events: ["group.update"],
    });
    driver.emit("group_update", change("after the failure"));
    const [row] = await waitFor(
      async () => {
        const found = await env.db.db
          .select()
          .from(webhookDeliveries)
          .where(
            and(eq(webhookDeliveries.webhookId, second.id), eq(webhookDeliveries.userId, userId)),
          );
        return found.length > 0 ? found : null;
      },
      { timeoutMs: 30_000, what: "the event written for the new webhook on the replay" },
    );
    expect((row!.payload as { data: { value: string } }).data.value).toBe("after the failure");
    const parked = await worker.registry.getSingleMetricAsString(
      "wagate_worker_events_parked_total",
    );
    expect(parked).toMatch(/event="group_update"[^}]*\} [1-9]/);
  });
});
