import { messages } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { and, eq, inArray } from "drizzle-orm";
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

beforeAll(async () => {
  counting = countingDb(env.db.url);
  userId = await seedAccount(env);
  sessionId = await seedSession(env, userId);
  worker = createWorker({
    db: counting.db,
    redis: env.redis.redis,
    redisPrefix: env.redis.prefix,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
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
  await worker.start();
  await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready", {
    what: "session ready",
  });
});

afterAll(async () => {
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
    const statements = counting.stop();
    const perMessage = statements.length / MESSAGES;
    const byKind = new Map<string, number>();
    for (const s of statements) {
      const kind = s.slice(0, 60);
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    console.info(
      `statements per message queued → read: ${perMessage.toFixed(2)} (${statements.length} for ${MESSAGES})`,
      Object.fromEntries(byKind),
    );
    expect(perMessage).toBeLessThanOrEqual(LIMIT);
  });
});
