import { liveEventsChannel } from "@wagate/contracts";
import { invalidateWebhookSubscriptions } from "@wagate/core";
import { messages, newId, webhookDeliveries, webhooks } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { and, eq, inArray } from "drizzle-orm";
import type { Redis } from "ioredis";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDriverFactory } from "../src/drivers/factory.js";
import { SimulatedNetwork } from "../src/drivers/sim-network.js";
import { createWorker, type WhatsAppWorker } from "../src/worker.js";
import { type CountingDb, countingDb } from "./counting-db.js";
import {
  enqueueTexts,
  FAST_OPTIONS,
  seedAccount,
  seedSession,
  sessionRow,
  waitFor,
} from "./helpers.js";

/**
 * Issue 11: database statements per message from `queued` to `read` with no webhook
 * subscribed, counted at the worker's own Postgres client (every statement it sends,
 * BEGIN/COMMIT included), on the fast simulator. Heartbeats and claim scans are slowed
 * down so that background traffic does not blur the figure.
 */
const env = useTestEnv();
const MESSAGES = 40;
// Baseline before issue 11: 15.2 (11 without BEGIN/COMMIT). Target: 4.
const LIMIT = 4;
let counting: CountingDb;
let worker: WhatsAppWorker;
let userId: string;
let sessionId: string;
let live: Redis;
const liveStatuses = new Map<string, string[]>();
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

beforeAll(async () => {
  counting = countingDb(env.db.url);
  userId = await seedAccount(env);
  sessionId = await seedSession(env, userId);
  worker = createWorker({
    db: counting.db,
    redis: env.redis.redis,
    redisPrefix: env.redis.prefix,
    logger,
    registry: new Registry(),
    driverFactory: createDriverFactory({
      db: counting.db,
      simProfile: "fast",
      simNetwork: new SimulatedNetwork(),
    }),
    options: {
      ...FAST_OPTIONS,
      leaseTtlMs: 120_000,
      heartbeatMs: 60_000,
      claimIntervalMs: 60_000,
    },
  });
  live = env.redis.redis.duplicate();
  live.on("message", (_channel, raw: string) => {
    const event = JSON.parse(raw) as { type: string; data: { id: string; status: string } };
    if (event.type !== "message.status") return;
    liveStatuses.set(event.data.id, [
      ...(liveStatuses.get(event.data.id) ?? []),
      event.data.status,
    ]);
  });
  await live.subscribe(liveEventsChannel(env.redis.prefix));
  await worker.start();
  await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready", {
    what: "session ready",
  });
});

afterAll(async () => {
  await live?.quit();
  await worker?.stop();
  await counting?.close();
});

describe("database statements per message", () => {
  it(`takes at most ${LIMIT} statements from queued to read with no webhook`, async () => {
    // Let the session's start-up writes settle before counting.
    await new Promise((r) => setTimeout(r, 300));
    counting.start();
    const ids = await enqueueTexts(env, {
      userId,
      sessionId,
      to: "+213661234567",
      count: MESSAGES,
    });
    await waitFor(
      async () => {
        const read = await env.db.db
          .select({ id: messages.id })
          .from(messages)
          .where(and(inArray(messages.id, ids), eq(messages.status, "read")));
        return read.length === ids.length;
      },
      { what: "every message read" },
    );
    // Acks may still be in flight right after the last row reads `read`.
    await new Promise((r) => setTimeout(r, 200));
    const all = counting.stop();
    // Not per message: the driver's one-time type lookup on a fresh connection, and the
    // session's own "last active" stamp (at most every 30 s).
    const statements = all.filter(
      (s) => !s.includes("pg_catalog.pg_type") && !s.startsWith('update "whatsapp_sessions"'),
    );
    const perMessage = statements.length / MESSAGES;
    const byKind = new Map<string, number>();
    for (const s of all) {
      const rows = s.startsWith("with v") ? ` x${(s.match(/::int,/g) ?? []).length}` : "";
      const kind = s.slice(0, 40) + rows;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    console.info(
      `statements per message queued → read: ${perMessage.toFixed(2)} (${statements.length} for ${MESSAGES})`,
      Object.fromEntries(byKind),
    );
    expect(perMessage).toBeLessThanOrEqual(LIMIT);
    // Batched acks still leave every time on the row and every change on the live feed.
    const rows = await env.db.db.select().from(messages).where(inArray(messages.id, ids));
    for (const row of rows) {
      expect(row.sentAt && row.deliveredAt && row.readAt).toBeTruthy();
      expect(row.readAt!.getTime()).toBeGreaterThanOrEqual(row.deliveredAt!.getTime());
    }
    await waitFor(async () => ids.every((id) => liveStatuses.get(id)?.includes("read")), {
      what: "the live feed",
    });
    for (const id of ids) {
      expect(liveStatuses.get(id)).toEqual(["sending", "sent", "delivered", "read"]);
    }
  });

  it("sees a webhook created or deleted after it cached none, and announces through it", async () => {
    const deliveries = async (messageId: string) =>
      (
        await env.db.db
          .select({ payload: webhookDeliveries.payload })
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.userId, userId))
      )
        .map((d) => (d.payload as { data: { id: string; status: string } }).data)
        .filter((data) => data.id === messageId)
        .map((data) => data.status);
    const hookId = newId("webhook");
    await env.db.db.insert(webhooks).values({
      id: hookId,
      userId,
      url: "https://hooks.example.com/wagate",
      events: ["message.status"],
      secret: "whsec_dGVzdA==",
    });
    // What the API does after creating one: the worker drops its cached "no webhook".
    await invalidateWebhookSubscriptions(env.redis.redis, env.redis.prefix, userId, logger);
    const [hooked] = await enqueueTexts(env, { userId, sessionId, to: "+213661234568" });
    await waitFor(async () => (await deliveries(hooked!)).includes("read"), {
      what: "the read webhook",
    });
    expect((await deliveries(hooked!)).sort()).toEqual(["delivered", "read", "sending", "sent"]);

    await env.db.db.delete(webhooks).where(eq(webhooks.id, hookId));
    await invalidateWebhookSubscriptions(env.redis.redis, env.redis.prefix, userId, logger);
    const [unhooked] = await enqueueTexts(env, { userId, sessionId, to: "+213661234569" });
    await waitFor(async () => liveStatuses.get(unhooked!)?.includes("read"), { what: "read" });
    expect(await deliveries(unhooked!)).toEqual([]);
  });
});
