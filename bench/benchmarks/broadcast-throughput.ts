/**
 * Delivered throughput of a broadcast (`POST /api/v1/broadcasts` in process through the app,
 * its send jobs added in the background, one whatsapp-worker with the simulator's fast
 * profile) with the account's pacing at its maximum (`users.pacing`: 1,000 a minute, the
 * most the admin API allows, no per-recipient gap, no jitter, no typing; bucket size
 * BENCH_BROADCAST_BURST, default 5 as the worker's default), against the policy's theoretical
 * maximum: a bucket of `burst` tokens refilled at `per_minute` lets N sends happen no faster
 * than (N − burst) / rate. Two values: N over the first-to-last `sent_at` span (the sending
 * itself), and N over request start to last `sent_at` (also accepting and queueing); both
 * against N / ((N − burst) / rate). Goal ratio ≥ 0.95. BENCH_BROADCAST_SENDS sets N
 * (default 1,000: about a minute).
 */
import { performance } from "node:perf_hooks";
import { createApp, flushBroadcastEnqueues } from "@wagate/api";
import { createLogger, createRedis } from "@wagate/core";
import { messages, users, whatsappSessions } from "@wagate/db";
import {
  createDriverFactory,
  createWorker,
  NO_PACING,
  SimulatedNetwork,
} from "@wagate/whatsapp-worker";
import { and, count, eq, inArray, max, min } from "drizzle-orm";
import { Registry } from "prom-client";
import { type Benchmark, envInt, result, startBenchApi } from "../lib.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The fastest policy an admin can set (services/api/src/routes/users/schema.ts): 1,000 a
 * minute, no gap, no jitter, no typing; the bucket size is BENCH_BROADCAST_BURST (default 5,
 * the worker's default burst).
 */
const maxPacing = () => ({
  per_minute: 1000,
  burst: envInt("BENCH_BROADCAST_BURST", 5),
  min_gap_ms: 0,
  jitter_ms: 0,
  typing_ms_per_char: 0,
});

export const benchmark: Benchmark = {
  name: "broadcast-throughput",
  description:
    "a broadcast's sends/s with the account's pacing at its maximum, fast simulator (vs the policy's theoretical maximum)",
  run: async (ctx) => {
    const n = envInt("BENCH_BROADCAST_SENDS", 1000);
    const MAX_PACING = maxPacing();
    const api = await startBenchApi(ctx);
    const { deps } = api;
    const redis = createRedis(ctx.redisUrl);
    const network = new SimulatedNetwork();
    const worker = createWorker({
      db: deps.db,
      redis,
      redisPrefix: deps.redisPrefix,
      logger: createLogger("bench", "silent"),
      registry: new Registry(),
      driverFactory: createDriverFactory({ db: deps.db, simProfile: "fast", simNetwork: network }),
      options: { simulatorPacing: NO_PACING },
    });
    try {
      await deps.db.update(users).set({ pacing: MAX_PACING }).where(eq(users.id, api.userId));
      const [session] = await deps.db
        .select({ id: whatsappSessions.id })
        .from(whatsappSessions)
        .where(eq(whatsappSessions.userId, api.userId));
      await worker.start();
      const ready = () => worker.manager.runtime(session!.id)?.status === "ready";
      for (let i = 0; i < 1200 && !ready(); i++) await sleep(25);
      if (!ready()) throw new Error("the session did not link");

      const app = createApp(deps);
      const body = JSON.stringify({
        name: "bench",
        message: { text: "Hello {{name}}, your order is ready." },
        recipients: Array.from({ length: n }, (_, i) => ({
          to: `+21366${1_000_005 + i * 10}`,
          variables: { name: `Customer ${i}` },
        })),
      });
      const startedWall = Date.now();
      const started = performance.now();
      const res = await app.request("/api/v1/broadcasts", {
        method: "POST",
        headers: { authorization: `ApiKey ${api.rawKey}`, "content-type": "application/json" },
        body,
      });
      if (res.status !== 202)
        throw new Error(`broadcast refused: ${res.status} ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      await flushBroadcastEnqueues(deps);
      const reached = and(
        eq(messages.broadcastId, id),
        inArray(messages.status, ["sent", "delivered", "read"]),
      );
      const deadline = started + ((n * 60_000) / MAX_PACING.per_minute) * 10 + 60_000;
      for (;;) {
        const [row] = await deps.db.select({ n: count() }).from(messages).where(reached);
        if ((row?.n ?? 0) >= n) break;
        if (performance.now() > deadline) throw new Error("the broadcast did not finish in time");
        await sleep(50);
      }
      const [span] = await deps.db
        .select({ first: min(messages.sentAt), last: max(messages.sentAt) })
        .from(messages)
        .where(eq(messages.broadcastId, id));
      if (network.duplicates().length > 0) throw new Error("a message was sent twice");
      const rate = MAX_PACING.per_minute / 60_000;
      const label = `${n} sends, pacing at its maximum (${MAX_PACING.per_minute}/min, burst ${MAX_PACING.burst}), fast simulator`;
      // From the first send to the last: the bucket lets `burst` go at once, then one per 1/rate.
      const sendingMs = span!.last!.getTime() - span!.first!.getTime();
      const minSendingMs = (n - MAX_PACING.burst) / rate;
      // From the request: the same, plus accepting the broadcast and queueing its jobs.
      const totalMs = span!.last!.getTime() - startedWall;
      return [
        result(
          `broadcast: ${label}, first to last send (vs the policy's theoretical maximum), msg/s`,
          (n * 1000) / sendingMs,
          "msg/s",
          (n * 1000) / minSendingMs,
        ),
        result(
          `broadcast: ${label}, request to last send (vs the policy's theoretical maximum), msg/s`,
          (n * 1000) / totalMs,
          "msg/s",
          (n * 1000) / minSendingMs,
        ),
      ];
    } finally {
      await worker.stop().catch(() => {});
      redis.disconnect();
      await api.close();
    }
  },
};
