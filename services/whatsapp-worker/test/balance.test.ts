import { whatsappSessions } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WhatsAppWorker } from "../src/worker.js";
import { harness, seedAccount, seedSession, waitFor } from "./helpers.js";

/** Sessions spread evenly over the workers that are up, never two owners of one session. */
const env = useTestEnv();
const h = harness(env);
const SESSIONS = 12;
const sessionIds: string[] = [];

beforeAll(async () => {
  const userId = await seedAccount(env);
  for (let i = 0; i < SESSIONS; i++) sessionIds.push(await seedSession(env, userId));
});
afterAll(() => h.stopAll());

const live = new Set<WhatsAppWorker>();
const start = async () => {
  const worker = await h.startWorker();
  live.add(worker);
  return worker;
};

const counts = () => [...live].map((w) => sessionIds.filter((id) => w.manager.owns(id)).length);

const handedOver = async (worker: WhatsAppWorker) => {
  const metric = await worker.registry.getSingleMetric("wagate_worker_sessions_handed_over_total");
  return ((await metric?.get())?.values[0]?.value as number | undefined) ?? 0;
};

/** Every session ready and owned, on the row, by exactly one of the live workers. */
const settled = async (perWorker: number) => {
  if (!counts().every((n) => n === perWorker)) return false;
  const rows = await env.db.db
    .select()
    .from(whatsappSessions)
    .where(inArray(whatsappSessions.id, sessionIds));
  const liveIds = new Set([...live].map((w) => w.workerId));
  return rows.every((r) => r.status === "ready" && liveIds.has(r.ownerWorkerId ?? ""));
};

describe("session balancing", () => {
  it("spreads sessions over workers joining and leaving, never with two owners", async () => {
    // Sampled all along: no session is ever held by two workers at once.
    const doubles = new Set<string>();
    const watch = setInterval(() => {
      for (const id of sessionIds) {
        if (h.workers.filter((w) => w.manager.owns(id)).length > 1) doubles.add(id);
      }
    }, 5);
    try {
      const a = await start();
      await waitFor(async () => settled(SESSIONS), { what: "all on the first worker" });

      const b = await start();
      const c = await start();
      await waitFor(async () => settled(SESSIONS / 3), {
        timeoutMs: 60_000,
        what: "4 sessions on each of 3 workers",
      });
      // Churn is bounded: the first worker handed over its 8 surplus sessions, about once.
      const moves = (await handedOver(a)) + (await handedOver(b)) + (await handedOver(c));
      expect(moves).toBeGreaterThanOrEqual(8);
      expect(moves).toBeLessThanOrEqual(12);

      // One leaves gracefully, another dies: the two left share the sessions.
      live.delete(c);
      await c.stop();
      const d = await start();
      live.delete(b);
      await b.crash(); // its leases lapse after LEASE_TTL_MS, its roster entry too
      await waitFor(async () => settled(SESSIONS / 2), {
        timeoutMs: 60_000,
        what: "6 sessions on each of the 2 live workers",
      });
      // The dead worker's roster entry lapses on its own clock, possibly after its leases did.
      await waitFor(async () => a.manager.fairShare === 6 && d.manager.fairShare === 6, {
        timeoutMs: 60_000,
        what: "a fair share of 6 once the dead worker left the roster",
      });
      await waitFor(async () => settled(SESSIONS / 2), {
        timeoutMs: 60_000,
        what: "still 6 sessions on each of the 2 live workers",
      });

      // Settled: nothing moves any more.
      const before = (await handedOver(a)) + (await handedOver(d));
      await new Promise((r) => setTimeout(r, 1500));
      expect((await handedOver(a)) + (await handedOver(d))).toBe(before);
      expect(counts()).toEqual([6, 6]);
    } finally {
      clearInterval(watch);
    }
    expect([...doubles]).toEqual([]);
  }, 300_000);
});
