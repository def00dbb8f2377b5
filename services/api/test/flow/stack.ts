import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhook } from "@wagate/core";
import {
  createDriverFactory,
  createWorker,
  NO_PACING,
  SimulatedNetwork,
  startWebhookDeliveryWorker,
  type WebhookDeliveryWorker,
  type WhatsAppWorker,
} from "@wagate/whatsapp-worker";
import pino from "pino";
import { Registry } from "prom-client";
import type { TestApp } from "../harness.js";

const DOT_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/** One webhook POST as the receiver got it. */
export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
}

export interface Stack {
  network: SimulatedNetwork;
  worker: WhatsAppWorker;
  deliveries: WebhookDeliveryWorker;
  /** `http://127.0.0.1:<port>/hook`, a local receiver on an ephemeral port. */
  hookUrl: string;
  received: ReceivedHook[];
  /** The WhatsApp worker's metrics registry. */
  registry: Registry;
  stop(): Promise<void>;
}

/**
 * A WhatsApp worker on the fast simulator over the test's database and Redis prefix, with
 * short leases and no pacing: the stack's own, or a second one taking a session over after
 * the first crashed (pass the stack's `network` so both see the same "WhatsApp").
 */
export function createStackWorker(
  t: TestApp,
  network: SimulatedNetwork,
  options: { linkDelayMs?: number; logger?: pino.Logger; registry?: Registry } = {},
) {
  return createWorker({
    db: t.deps.db,
    redis: t.deps.redis,
    redisPrefix: t.deps.redisPrefix,
    logger: options.logger ?? pino({ level: "silent" }),
    registry: options.registry ?? new Registry(),
    driverFactory: createDriverFactory({
      db: t.deps.db,
      simProfile: "fast",
      simLinkDelayMs: options.linkDelayMs ?? 200,
      simNetwork: network,
    }),
    options: {
      leaseTtlMs: 4000,
      heartbeatMs: 400,
      claimIntervalMs: 200,
      jobLockMs: 3000,
      stalledIntervalMs: 1000,
      simulatorPacing: NO_PACING,
      retryBaseMs: 50,
      allowPrivateUrls: true,
    },
  });
}

/**
 * The rest of wagate beside the test's API, in-process, over the same database and Redis
 * prefix: a WhatsApp worker with the fast simulator (a QR shows for `linkDelayMs`, then the
 * session links), the webhook delivery worker, and an HTTP server that records every POST (webhooks) and answers any GET with a PNG
 * (media URLs).
 */
export async function startStack(
  t: TestApp,
  options: { linkDelayMs?: number } = {},
): Promise<Stack> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const network = new SimulatedNetwork();
  const registry = new Registry();
  const worker = createStackWorker(t, network, {
    linkDelayMs: options.linkDelayMs ?? 1500,
    logger,
    registry,
  });
  await worker.start();
  const deliveries = startWebhookDeliveryWorker({
    db: t.deps.db,
    redis: t.deps.redis,
    redisPrefix: t.deps.redisPrefix,
    logger,
    registry: new Registry(),
    allowPrivate: true,
    options: { retryScheduleMs: [200, 400, 800] },
  });
  const received: ReceivedHook[] = [];
  const server: Server = createServer((req, res) => {
    if (req.method === "GET") {
      // Media for send-media flows: a 1x1 PNG.
      res.writeHead(200, { "content-type": "image/png" }).end(Buffer.from(DOT_PNG, "base64"));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ headers: req.headers, body, payload: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    network,
    worker,
    deliveries,
    hookUrl: `http://127.0.0.1:${port}/hook`,
    received,
    registry,
    async stop() {
      await worker.stop();
      await deliveries.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** True when a received hook carries a valid Standard Webhooks signature for `secret`. */
export const signatureValid = (hook: ReceivedHook, secret: string) =>
  verifyWebhook({
    id: String(hook.headers["webhook-id"]),
    timestamp: String(hook.headers["webhook-timestamp"]),
    signature: String(hook.headers["webhook-signature"]),
    body: hook.body,
    secret,
  });

/** Polls `probe` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
