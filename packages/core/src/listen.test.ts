import { Agent, request } from "node:http";
import type { AddressInfo } from "node:net";
import { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import { baseEnvSchema, EnvError, httpTimeouts, parseEnv } from "./env.js";
import { closeServer, listen } from "./lifecycle.js";

const app = new Hono().get("/ping", (c) => c.text("pong"));
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
afterAll(() => agent.destroy());

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/ping", agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("listen", () => {
  it("keeps an idle kept-alive connection open across a 6 s pause between requests", async () => {
    const server = await listen(app, 0, { hostname: "127.0.0.1" });
    let connections = 0;
    let closed = 0;
    server.on("connection", (socket) => {
      connections += 1;
      socket.on("close", () => {
        closed += 1;
      });
    });
    try {
      const port = (server.address() as AddressInfo).port;
      expect(await get(port)).toEqual({ status: 200, body: "pong" });
      await new Promise((resolve) => setTimeout(resolve, 6000));
      // Node's default (5 s) closes the socket during the pause; a client or balancer that
      // reuses it at that moment gets "other side closed".
      expect(closed).toBe(0);
      expect(await get(port)).toEqual({ status: 200, body: "pong" });
      expect(connections).toBe(1);
      expect(server.keepAliveTimeout).toBe(75_000);
      expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
    } finally {
      await closeServer(server);
    }
  }, 30_000);

  it("takes its timeouts from the environment, headers above keep-alive", () => {
    const base = { DATABASE_URL: "postgres://h/db", REDIS_URL: "redis://h" };
    expect(httpTimeouts(parseEnv(baseEnvSchema, base))).toEqual({
      keepAliveTimeoutMs: 75_000,
      headersTimeoutMs: 76_000,
    });
    expect(
      httpTimeouts(parseEnv(baseEnvSchema, { ...base, HTTP_KEEP_ALIVE_TIMEOUT_MS: "120000" })),
    ).toEqual({ keepAliveTimeoutMs: 120_000, headersTimeoutMs: 121_000 });
    expect(() =>
      parseEnv(baseEnvSchema, {
        ...base,
        HTTP_KEEP_ALIVE_TIMEOUT_MS: "90000",
        HTTP_HEADERS_TIMEOUT_MS: "60000",
      }),
    ).toThrow(EnvError);
  });
});
