import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SessionWire, WebhookEvent } from "@wagate/contracts";
import { generateWebhookSecret } from "@wagate/core";
import { newId, webhookDeliveries, webhookDeliveryAttempts, webhooks } from "@wagate/db";
import type { TestEnv } from "@wagate/testkit";
import { asc, eq } from "drizzle-orm";

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver does for a request: answer a status, or never answer ("hang"). */
export type Behaviour = (request: ReceivedRequest, countOnPath: number) => number | "hang";

/** A local HTTP receiver on port 0 that records every request; behaviour per path. */
export async function startReceiver() {
  const received: ReceivedRequest[] = [];
  const behaviours = new Map<string, Behaviour>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = {
        path: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      };
      received.push(request);
      const count = received.filter((r) => r.path === request.path).length;
      const answer = behaviours.get(request.path)?.(request, count) ?? 200;
      if (answer === "hang") return;
      res.writeHead(answer, { "content-type": "text/plain" });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    received,
    behaviours,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    on: (path: string) => received.filter((r) => r.path === path),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export async function seedWebhook(
  env: TestEnv,
  input: { userId: string; url: string; events?: WebhookEvent[]; isActive?: boolean },
) {
  const id = newId("webhook");
  const secret = generateWebhookSecret();
  await env.db.db.insert(webhooks).values({
    id,
    userId: input.userId,
    url: input.url,
    events: input.events ?? ["session.status"],
    secret,
    isActive: input.isActive ?? true,
  });
  return { id, secret };
}

export const sessionData = (name = "default"): SessionWire => ({
  name,
  status: "ready",
  driver: "simulator",
  mode: "test",
  phone_number: "+15550001111",
  connected_at: new Date().toISOString(),
  last_active_at: null,
});

export async function deliveryRow(env: TestEnv, id: string) {
  const [row] = await env.db.db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, id));
  return row;
}

export async function attemptRows(env: TestEnv, deliveryId: string) {
  return env.db.db
    .select()
    .from(webhookDeliveryAttempts)
    .where(eq(webhookDeliveryAttempts.deliveryId, deliveryId))
    .orderBy(asc(webhookDeliveryAttempts.attempt));
}

export async function webhookRow(env: TestEnv, id: string) {
  const [row] = await env.db.db.select().from(webhooks).where(eq(webhooks.id, id));
  return row;
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error("waitFor: timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
