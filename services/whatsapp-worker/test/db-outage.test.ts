import { createDb, type DbClient, messages, newId, webhookDeliveries, webhooks } from "@wagate/db";
import { type TestEnv, useTestEnv } from "@wagate/testkit";
import { and, eq } from "drizzle-orm";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorker, type WhatsAppWorker } from "../src/worker.js";
import { FAST_OPTIONS, seedAccount, seedSession, sessionRow, waitFor } from "./helpers.js";
import { PrivatePostgres } from "./private-postgres.js";
import { stubDrivers } from "./stub-driver.js";

/**
 * Defect 7 (issue 9): driver events that arrive while Postgres restarts used to be logged as
 * failed and lost. Here a private Postgres is stopped, an ack and an inbound message arrive,
 * and once it is back both are in the database exactly once, with one webhook event each.
 */
const shared = useTestEnv();
const pg = new PrivatePostgres();
let client: DbClient;
let env: TestEnv;
let worker: WhatsAppWorker;
const drivers = stubDrivers();

beforeAll(async () => {
  await pg.init();
  client = createDb(pg.url, { max: 5, applicationName: "wagate-test-outage" });
  env = { db: { ...client, url: pg.url, name: "wagate" }, redis: shared.redis };
}, 60_000);

afterAll(async () => {
  await worker?.stop().catch(() => {});
  await client?.close().catch(() => {});
  pg.destroy();
});

const count = async (where: ReturnType<typeof and>) =>
  (await client.db.select({ id: messages.id }).from(messages).where(where)).length;

describe("driver events during a Postgres outage", () => {
  it("records an inbound message and an ack that arrived while Postgres was down, once", async () => {
    const userId = await seedAccount(env);
    await client.db.insert(webhooks).values({
      id: newId("webhook"),
      userId,
      url: "https://hooks.example.com/wagate",
      events: ["message.status", "message.received"],
      secret: "whsec_dGVzdA==",
    });
    const sessionId = await seedSession(env, userId);
    const outboundId = newId("message");
    await client.db.insert(messages).values({
      id: outboundId,
      userId,
      sessionId,
      mode: "test",
      direction: "outbound",
      recipient: "+213661234567",
      type: "text",
      content: "hello",
      status: "sent",
      waMessageId: "wa-out-1",
      sentAt: new Date(),
    });
    worker = createWorker({
      db: client.db,
      redis: shared.redis.redis,
      redisPrefix: shared.redis.prefix,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
      registry: new Registry(),
      driverFactory: drivers.factory,
      options: FAST_OPTIONS,
    });
    await worker.start();
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready", {
      timeoutMs: 20_000,
      what: "session ready",
    });

    pg.stop();
    const driver = drivers.latest();
    const inbound = {
      waMessageId: "wa-in-1",
      from: "+213661234567",
      type: "text" as const,
      text: "are you there?",
      at: new Date(),
    };
    driver.emit("ack", { waMessageId: "wa-out-1", status: "delivered", at: new Date() });
    driver.emit("message", inbound);
    driver.emit("message", inbound); // WhatsApp may hand the same message over twice
    // Let the handlers meet the closed database before it comes back.
    await new Promise((r) => setTimeout(r, 1500));
    pg.start();

    await waitFor(
      async () => {
        const [row] = await client.db
          .select()
          .from(messages)
          .where(eq(messages.id, outboundId))
          .catch(() => []);
        return row?.status === "delivered";
      },
      { timeoutMs: 30_000, what: "ack applied after the outage" },
    );
    const inboundWhere = and(
      eq(messages.sessionId, sessionId),
      eq(messages.waMessageId, "wa-in-1"),
    );
    await waitFor(async () => (await count(inboundWhere)) > 0, {
      timeoutMs: 30_000,
      what: "inbound recorded after the outage",
    });
    // The same message once more after the outage: still one row.
    driver.emit("message", inbound);
    await waitFor(
      async () =>
        (await shared.redis.redis.llen(
          `${shared.redis.prefix}:session:${sessionId}:parked-events`,
        )) === 0,
      { timeoutMs: 30_000, what: "parked events replayed" },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await count(inboundWhere)).toBe(1);
    const events = await client.db
      .select({ type: webhookDeliveries.eventType, payload: webhookDeliveries.payload })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.userId, userId));
    const received = events.filter((e) => e.type === "message.received");
    const delivered = events.filter(
      (e) =>
        e.type === "message.status" &&
        (e.payload as { data: { status: string } }).data.status === "delivered",
    );
    expect(received).toHaveLength(1);
    expect(delivered).toHaveLength(1);
    const metrics = await worker.registry.getSingleMetricAsString(
      "wagate_worker_events_dropped_total",
    );
    expect(metrics).not.toMatch(/wagate_worker_events_dropped_total\{[^}]*\} [1-9]/);
  }, 90_000);
});
