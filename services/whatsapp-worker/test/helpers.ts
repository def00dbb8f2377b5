import {
  JOB_NAMES,
  type MessageStatus,
  type SessionDesiredState,
  sendQueueName,
} from "@wagate/contracts";
import { nudgeSessionOwner, setDesiredState } from "@wagate/core";
import { messages, newId, users, whatsappSessions } from "@wagate/db";
import type { TestEnv } from "@wagate/testkit";
import { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import pino from "pino";
import { Registry } from "prom-client";
import type { WorkerOptions } from "../src/context.js";
import { createDriverFactory } from "../src/drivers/factory.js";
import { SimulatedNetwork } from "../src/drivers/sim-network.js";
import { SimulatorDriver, type SimulatorOptions } from "../src/drivers/simulator.js";
import type { DriverFactory } from "../src/drivers/types.js";
import { NO_PACING } from "../src/send/pacing.js";
import { createWorker, type WhatsAppWorker } from "../src/worker.js";

/**
 * Short lease and lock times so takeover and stalled-job recovery happen within a test, yet
 * long enough that a loaded CI machine does not lose leases by accident.
 */
export const FAST_OPTIONS: Partial<WorkerOptions> = {
  leaseTtlMs: 4000,
  heartbeatMs: 400,
  claimIntervalMs: 200,
  jobLockMs: 3000,
  stalledIntervalMs: 1000,
  simulatorPacing: NO_PACING,
  retryBaseMs: 50,
};

export interface Harness {
  network: SimulatedNetwork;
  /** Per-session simulator settings (e.g. ack delays) for the default driver factory. */
  simOptions: Map<string, Partial<SimulatorOptions>>;
  workers: WhatsAppWorker[];
  /** A worker in-process with the fast simulator, short leases and its own registry. */
  startWorker(
    options?: Partial<WorkerOptions>,
    driverFactory?: DriverFactory,
  ): Promise<WhatsAppWorker>;
  stopAll(): Promise<void>;
}

export function harness(env: TestEnv): Harness {
  const network = new SimulatedNetwork();
  const workers: WhatsAppWorker[] = [];
  const simOptions = new Map<string, Partial<SimulatorOptions>>();
  const defaultFactory: DriverFactory = (session) => {
    const custom = simOptions.get(session.id);
    if (!custom) {
      return createDriverFactory({ db: env.db.db, simProfile: "fast", simNetwork: network })(
        session,
      );
    }
    return new SimulatorDriver({
      sessionId: session.id,
      mode: session.mode,
      profile: "fast",
      network,
      ...custom,
    });
  };
  return {
    network,
    simOptions,
    workers,
    async startWorker(options = {}, driverFactory) {
      const worker = createWorker({
        db: env.db.db,
        redis: env.redis.redis,
        redisPrefix: env.redis.prefix,
        logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
        registry: new Registry(),
        driverFactory: driverFactory ?? defaultFactory,
        options: { ...FAST_OPTIONS, ...options },
      });
      workers.push(worker);
      await worker.start();
      return worker;
    },
    async stopAll() {
      await Promise.allSettled(workers.map((w) => w.stop()));
      workers.length = 0;
    },
  };
}

export async function seedAccount(env: TestEnv, pacing?: Record<string, number>) {
  const userId = newId("user");
  await env.db.db.insert(users).values({
    id: userId,
    name: "Acme",
    email: `${userId.toLowerCase()}@example.com`,
    ...(pacing ? { pacing } : {}),
  });
  return userId;
}

export async function seedSession(
  env: TestEnv,
  userId: string,
  input: { desired?: "running" | "stopped"; mode?: "test" | "live"; name?: string } = {},
) {
  const id = newId("session");
  const mode = input.mode ?? "test";
  await env.db.db.insert(whatsappSessions).values({
    id,
    userId,
    name: input.name ?? `s-${id.slice(-6)}`,
    mode,
    driver: mode === "live" ? "webjs" : "simulator",
    desiredState: input.desired ?? "running",
  });
  return id;
}

/**
 * A session command the way the API gives it (POST /sessions/init → `running`,
 * /sessions/disconnect → `logged_out`): the row's desired state, then the nudge on the
 * owners' channel. `nudge: false` plays a nudge that never arrived.
 */
export async function command(
  env: TestEnv,
  sessionId: string,
  state: SessionDesiredState,
  { nudge = true } = {},
) {
  await setDesiredState(env.db.db, sessionId, state);
  if (nudge) {
    const deps = {
      redis: env.redis.redis,
      redisPrefix: env.redis.prefix,
      logger: pino({ level: "silent" }),
    };
    await nudgeSessionOwner(deps, sessionId);
  }
}

/** Inserts queued messages and enqueues them the way the API does (`jobId = messageId`). */
export async function enqueueTexts(
  env: TestEnv,
  input: {
    userId: string;
    sessionId: string;
    to: string | string[];
    text?: string;
    count?: number;
  },
): Promise<string[]> {
  const count = input.count ?? 1;
  const day = new Date().toISOString().slice(0, 10);
  const rows = Array.from({ length: count }, (_, i) => ({
    id: newId("message"),
    userId: input.userId,
    sessionId: input.sessionId,
    mode: "test" as const,
    direction: "outbound" as const,
    recipient: Array.isArray(input.to) ? input.to[i % input.to.length]! : input.to,
    type: "text" as const,
    content: input.text ?? `hello ${i}`,
    status: "queued" as const,
    queuedAt: new Date(),
    quotaDay: day,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await env.db.db.insert(messages).values(rows.slice(i, i + 500));
  const queue = new Queue(sendQueueName(input.sessionId), {
    connection: env.redis.redis,
    prefix: env.redis.prefix,
  });
  await queue.addBulk(
    rows.map((r) => ({ name: JOB_NAMES.send, data: { messageId: r.id }, opts: { jobId: r.id } })),
  );
  await queue.close();
  return rows.map((r) => r.id);
}

export async function messageRow(env: TestEnv, id: string) {
  const [row] = await env.db.db.select().from(messages).where(eq(messages.id, id));
  return row!;
}

export async function sessionRow(env: TestEnv, id: string) {
  const [row] = await env.db.db.select().from(whatsappSessions).where(eq(whatsappSessions.id, id));
  return row!;
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  { timeoutMs = 30_000, intervalMs = 25, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const DELIVERY_ORDER: MessageStatus[] = ["sent", "delivered", "read"];

/** Waits for `status`; for sent/delivered it also accepts a later delivery status (acks are fast). */
export const waitForStatus = (
  env: TestEnv,
  id: string,
  status: MessageStatus,
  timeoutMs = 10_000,
) =>
  waitFor(
    async () => {
      const row = await messageRow(env, id);
      const at = DELIVERY_ORDER.indexOf(status);
      const reached =
        row.status === status || (at >= 0 && DELIVERY_ORDER.indexOf(row.status) >= at);
      return reached ? row : null;
    },
    { timeoutMs, what: `${id} ${status}` },
  );
