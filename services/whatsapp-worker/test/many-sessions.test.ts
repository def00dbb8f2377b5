import { messages, whatsappSessions } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { and, count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueTexts, harness, seedAccount, seedSession, waitFor } from "./helpers.js";

/**
 * One worker holding 200 simulator sessions stays responsive: every session gets ready,
 * sends, and keeps its lease (same fencing token, never lost and re-claimed) while it works.
 * Timing figures are in bench/ (session-heartbeats); this test only asserts what it sees.
 */
const env = useTestEnv();
const h = harness(env);
const SESSIONS = 200;
const sessionIds: string[] = [];
let userId: string;

beforeAll(async () => {
  userId = await seedAccount(env);
  for (let i = 0; i < SESSIONS; i++) sessionIds.push(await seedSession(env, userId));
});
afterAll(() => h.stopAll());

const heartbeatRounds = async (registry: import("prom-client").Registry) => {
  const metric = registry.getSingleMetric("wagate_worker_heartbeat_seconds");
  const values = (await metric?.get())?.values ?? [];
  return (values.find(
    (v) => (v as { metricName?: string }).metricName === "wagate_worker_heartbeat_seconds_count",
  )?.value ?? 0) as number;
};

describe("a worker with 200 sessions", () => {
  it("opens them all, sends on each, and loses no lease under that load", async () => {
    const worker = await h.startWorker({ maxSessions: 250 });
    await waitFor(
      async () => {
        const [row] = await env.db.db
          .select({ value: count() })
          .from(whatsappSessions)
          .where(
            and(inArray(whatsappSessions.id, sessionIds), eq(whatsappSessions.status, "ready")),
          );
        return row?.value === SESSIONS;
      },
      { timeoutMs: 240_000, intervalMs: 200, what: "200 sessions ready" },
    );
    const tokens = new Map(sessionIds.map((id) => [id, worker.manager.runtime(id)?.token]));
    expect([...tokens.values()].every((t) => typeof t === "number")).toBe(true);
    const roundsBefore = await heartbeatRounds(worker.registry);

    // Load: one message per session, all at once.
    const ids: string[] = [];
    for (const sessionId of sessionIds) {
      ids.push(...(await enqueueTexts(env, { userId, sessionId, to: "+213661234567" })));
    }
    await waitFor(
      async () => {
        const [row] = await env.db.db
          .select({ value: count() })
          .from(messages)
          .where(
            and(inArray(messages.id, ids), inArray(messages.status, ["sent", "delivered", "read"])),
          );
        return row?.value === ids.length;
      },
      { timeoutMs: 180_000, intervalMs: 250, what: "200 messages sent" },
    );
    // Several heartbeats went by under the load.
    await waitFor(async () => (await heartbeatRounds(worker.registry)) >= roundsBefore + 5, {
      timeoutMs: 60_000,
      what: "five more heartbeats",
    });

    // Every session still held by the same runtime, same token, lease alive in Redis.
    for (const id of sessionIds) {
      expect(worker.manager.runtime(id)?.token, id).toBe(tokens.get(id));
    }
    const leases = await env.redis.redis.mget(
      sessionIds.map((id) => `${env.redis.prefix}:lease:session:${id}`),
    );
    expect(leases).toEqual(sessionIds.map((id) => `${worker.workerId}|${tokens.get(id)}`));
    for (const id of ids) expect(h.network.sendCount(id)).toBe(1);
  }, 400_000);
});
