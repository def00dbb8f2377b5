import { createApp, getAcceptBatcher } from "@wagate/api";
import { Hono } from "hono";
import {
  type Benchmark,
  type HttpFigures,
  measureHttp,
  median,
  result,
  startBenchApi,
  startServer,
} from "../lib.js";

const ROUNDS = 2;

/**
 * POST /api/v1/messages/send-text through the whole accept path (API key verification, rate
 * limit, daily quota, validation and E.164 normalisation, the prefix policy, INSERT of the
 * message row, enqueue of its send job, the request log) over HTTP, beside a bare Hono JSON
 * route served the same way in the same run. Nothing consumes the send queue: this measures
 * what the API can accept, not what WhatsApp can take.
 *
 * Then the latency figure of issue 11: send-text at half its measured maximum rate (a fixed
 * offered load, autocannon `overallRate`) against the bare route at that same rate, p99.
 * Group commit shows here: at half load a send should not wait much longer than a route
 * that does nothing.
 */
export const benchmark: Benchmark = {
  name: "send-text",
  description: "send-text accept path over HTTP vs a bare Hono JSON route",
  run: async (ctx) => {
    const api = await startBenchApi(ctx);
    try {
      const bare = new Hono();
      bare.post("/send", (c) => c.json({ id: "msg_x", status: "queued" }, 202));
      const bareServer = await startServer(bare);
      const apiServer = await startServer(createApp(api.deps));
      const body = JSON.stringify({ to: "+213 661 23 45 67", text: "hello from the benchmark" });
      const common = {
        method: "POST" as const,
        durationSeconds: ctx.durationSeconds,
        connections: ctx.connections,
        expectStatus: 202,
        body,
      };
      const bareRuns: HttpFigures[] = [];
      const sendRuns: HttpFigures[] = [];
      const halfRate = { send: [] as HttpFigures[], bare: [] as HttpFigures[], rate: 0 };
      const sendHeaders = {
        "content-type": "application/json",
        authorization: `ApiKey ${api.rawKey}`,
      };
      try {
        // Alternated, medians kept: both variants see the same drift of a shared machine.
        for (let round = 0; round < ROUNDS; round++) {
          const warmupSeconds = round === 0 ? 1 : 0;
          bareRuns.push(
            await measureHttp(`${bareServer.url}/send`, {
              ...common,
              headers: { "content-type": "application/json" },
              warmupSeconds,
            }),
          );
          sendRuns.push(
            await measureHttp(`${apiServer.url}/api/v1/messages/send-text`, {
              ...common,
              headers: sendHeaders,
              warmupSeconds,
            }),
          );
        }
        halfRate.rate = median(sendRuns.map((run) => run.requestsPerSecond)) / 2;
        ctx.log(`latency at half the send maximum: ${halfRate.rate.toFixed(0)} req/s offered`);
        for (let round = 0; round < ROUNDS; round++) {
          halfRate.bare.push(
            await measureHttp(`${bareServer.url}/send`, {
              ...common,
              headers: { "content-type": "application/json" },
              overallRate: halfRate.rate,
              warmupSeconds: 0,
            }),
          );
          halfRate.send.push(
            await measureHttp(`${apiServer.url}/api/v1/messages/send-text`, {
              ...common,
              headers: sendHeaders,
              overallRate: halfRate.rate,
              warmupSeconds: 0,
            }),
          );
        }
      } finally {
        await Promise.all([bareServer.close(), apiServer.close()]);
      }
      const failures = [...bareRuns, ...sendRuns, ...halfRate.send, ...halfRate.bare].reduce(
        (sum, f) => sum + f.failures,
        0,
      );
      if (failures > 0) throw new Error(`${failures} failed requests`);
      const accepted = sendRuns.reduce((sum, f) => sum + f.requests, 0);
      const sizes = getAcceptBatcher(api.deps).batchSizes;
      ctx.log(
        `${accepted} messages accepted; group commit: last ${sizes.length} batches averaged ${(
          sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length)
        ).toFixed(1)} rows`,
      );
      const pick = (runs: HttpFigures[], field: "requestsPerSecond" | "latencyP99Ms") =>
        median(runs.map((run) => run[field]));
      return [
        result(
          "send-text.requests_per_second",
          pick(sendRuns, "requestsPerSecond"),
          "req/s",
          pick(bareRuns, "requestsPerSecond"),
        ),
        result(
          "send-text.latency_p99",
          pick(sendRuns, "latencyP99Ms"),
          "ms",
          pick(bareRuns, "latencyP99Ms"),
        ),
        result(
          "send-text.half_rate_latency_p99",
          pick(halfRate.send, "latencyP99Ms"),
          "ms",
          pick(halfRate.bare, "latencyP99Ms"),
        ),
      ];
    } finally {
      await api.close();
    }
  },
};
