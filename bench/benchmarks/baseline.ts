import { Hono } from "hono";
import { type Benchmark, measureHttp, result, startServer } from "../lib.js";

/**
 * The floor every HTTP figure stands on: a bare Hono JSON route served the way the services
 * serve (`listen` from @wagate/core over @hono/node-server), no middleware, no I/O. Other
 * benchmarks measure this beside their own route and report their ratio to it.
 */
export const benchmark: Benchmark = {
  name: "baseline",
  description: "bare Hono JSON route through @wagate/core listen (its own yardstick)",
  run: async (ctx) => {
    const app = new Hono();
    app.get("/ping", (c) => c.json({ ok: true }));
    const server = await startServer(app);
    try {
      const figures = await measureHttp(`${server.url}/ping`, {
        durationSeconds: ctx.durationSeconds,
        connections: ctx.connections,
      });
      ctx.log(`${figures.requests} requests, ${figures.failures} failures`);
      if (figures.failures > 0) throw new Error(`${figures.failures} failed requests`);
      return [
        result("baseline.requests_per_second", figures.requestsPerSecond, "req/s"),
        result("baseline.latency_p99", figures.latencyP99Ms, "ms"),
      ];
    } finally {
      await server.close();
    }
  },
};
