/**
 * Cost of account authentication and the daily quota on the request path.
 *
 * 1. Key verification by direct calls: cached (in-process hit) vs uncached (cache cleared
 *    before every call, so each one is a database round trip), plus the rejection of a
 *    malformed key and of an unknown-but-well-formed key (negative cache).
 * 2. The same trivial route with and without the chain, in process (`app.request()`, 16 in
 *    flight), which isolates the chain's own cost, and
 * 3. HTTP over loopback with autocannon, one run, same server: a trivial route behind
 *    `requireSender()` + `enforceQuota` (key, scope, rate limit and quota unit: one Redis
 *    round trip) vs the same route with no auth.
 *    Both go through the app's own middleware (request id, request log, body limit), so the
 *    ratio isolates the auth + rate limit + quota chain. Each figure's `baseline` is named
 *    after it: cached vs uncached verification, auth route vs the same route without auth.
 */
import { performance } from "node:perf_hooks";
import { createApp, enforceQuota, getApiKeyCache, requireSender, verifyApiKey } from "@wagate/api";
import { generateApiKey } from "@wagate/core";
import {
  type Benchmark,
  type HttpFigures,
  measureHttp,
  median,
  result,
  startBenchApi,
  startServer,
} from "../lib.js";

/** Milliseconds per direct-call measurement. */
const CALL_MS = 1500;
/** Alternating (no auth, auth) HTTP rounds; the medians are reported. */
const ROUNDS = 3;

/** Calls `fn` back to back for `ms` and returns calls per second. */
async function opsPerSecond(ms: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await fn(); // warm up (JIT, connection pool)
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    await fn();
    count++;
  }
  return count / ((performance.now() - started) / 1000);
}

export const benchmark: Benchmark = {
  name: "auth-chain",
  description:
    "API key verification cached vs uncached (direct calls), and requireSender + enforceQuota on a trivial route vs the same route without them (HTTP)",
  run: async (ctx) => {
    const api = await startBenchApi(ctx);
    const { deps } = api;
    const key = { raw: api.rawKey };
    try {
      const unknownKey = generateApiKey("test", deps.apiKeySecret).raw;
      const cache = getApiKeyCache(deps);
      const expectOk = async () => {
        const verdict = await verifyApiKey(deps, key.raw);
        if (!verdict.ok) throw new Error(`bench key refused: ${verdict.reason}`);
      };
      const cached = await opsPerSecond(CALL_MS, expectOk);
      const uncached = await opsPerSecond(CALL_MS, async () => {
        cache.clear();
        await expectOk();
      });
      const negative = await opsPerSecond(CALL_MS, () => verifyApiKey(deps, unknownKey));
      const malformed = await opsPerSecond(CALL_MS, () => verifyApiKey(deps, "wag_test_nope"));
      ctx.log(`verify: cached ${cached.toFixed(0)}/s, uncached ${uncached.toFixed(0)}/s`);

      // Both routes sit behind the app's own middleware (request id, request log, body
      // limit), so the ratio isolates the auth + rate limit + quota chain.
      const app = createApp(deps);
      app.post("/api/v1/_bench/plain", (c) => c.json({ ok: true }, 202));
      // requireSender: the rate limit point is taken with the quota unit (one Redis script).
      app.post("/api/v1/_bench/auth", requireSender(), async (c) => {
        await enforceQuota(c);
        return c.json({ ok: true }, 202);
      });
      // In process through app.request() (no sockets, no load generator sharing the event
      // loop), 16 requests in flight: the chain's own cost, without HTTP around it.
      const inProcess = async (path: string, headers: Record<string, string>) => {
        const one = async () => {
          const res = await app.request(path, { method: "POST", headers });
          if (res.status !== 202) throw new Error(`${path}: ${res.status}`);
        };
        return (
          (await opsPerSecond(CALL_MS, () => Promise.all(Array.from({ length: 16 }, one)))) * 16
        );
      };
      const authHeaders = { authorization: `ApiKey ${key.raw}` };
      const plainInProcess = await inProcess("/api/v1/_bench/plain", {});
      const authInProcess = await inProcess("/api/v1/_bench/auth", authHeaders);
      const server = await startServer(app);
      const plainRuns: HttpFigures[] = [];
      const authRuns: HttpFigures[] = [];
      try {
        const common = {
          method: "POST" as const,
          durationSeconds: ctx.durationSeconds,
          connections: ctx.connections,
          expectStatus: 202,
        };
        const headers = { authorization: `ApiKey ${key.raw}` };
        // Alternate the two and keep the medians: on a shared machine the load around us
        // drifts, and alternating exposes both variants to the same drift.
        for (let round = 0; round < ROUNDS; round++) {
          const warmupSeconds = round === 0 ? 1 : 0;
          plainRuns.push(
            await measureHttp(`${server.url}/api/v1/_bench/plain`, { ...common, warmupSeconds }),
          );
          authRuns.push(
            await measureHttp(`${server.url}/api/v1/_bench/auth`, {
              ...common,
              headers,
              warmupSeconds,
            }),
          );
        }
      } finally {
        await server.close();
      }
      const failures = [...plainRuns, ...authRuns].reduce((sum, f) => sum + f.failures, 0);
      if (failures > 0) throw new Error(`${failures} failed requests`);
      const pick = (runs: HttpFigures[], field: "requestsPerSecond" | "latencyP99Ms") =>
        median(runs.map((run) => run[field]));
      return [
        result("auth-chain.verify_cached_ops", cached, "ops/s", uncached),
        result("auth-chain.verify_uncached_ops", uncached, "ops/s", cached),
        result("auth-chain.verify_unknown_negative_cache_ops", negative, "ops/s", cached),
        result("auth-chain.verify_malformed_ops", malformed, "ops/s", cached),
        result(
          "auth-chain.inprocess_auth_quota_requests_per_second",
          authInProcess,
          "req/s",
          plainInProcess,
        ),
        result(
          "auth-chain.http_auth_quota_requests_per_second",
          pick(authRuns, "requestsPerSecond"),
          "req/s",
          pick(plainRuns, "requestsPerSecond"),
        ),
        result(
          "auth-chain.http_auth_quota_latency_p99",
          pick(authRuns, "latencyP99Ms"),
          "ms",
          pick(plainRuns, "latencyP99Ms"),
        ),
      ];
    } finally {
      await api.close();
    }
  },
};
