import { QUEUES } from "@wagate/contracts";
import { whatsappSessionAuth, whatsappSessions } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harness, seedAccount, seedSession, sessionRow, waitFor } from "./helpers.js";

const env = useTestEnv();
const h = harness(env);
let userId: string;
let control: Queue;

beforeAll(async () => {
  userId = await seedAccount(env);
  control = new Queue(QUEUES.sessionControl, {
    connection: env.redis.redis,
    prefix: env.redis.prefix,
  });
});
afterAll(async () => {
  await control.close();
  await h.stopAll();
});

const command = (sessionId: string, action: "start" | "stop" | "logout") =>
  control.add(action, { sessionId, action });

const statusIs = (sessionId: string, status: string) => async () => {
  const row = await sessionRow(env, sessionId);
  return row.status === status ? row : null;
};

describe("session control", () => {
  it("starts a stopped session on a worker with room, up to WORKER_MAX_SESSIONS", async () => {
    const a = await h.startWorker({ maxSessions: 1 });
    const first = await seedSession(env, userId, { desired: "stopped" });
    const second = await seedSession(env, userId, { desired: "stopped" });
    await command(first, "start");
    const row = await waitFor(statusIs(first, "ready"));
    expect(row.desiredState).toBe("running");
    await command(second, "start");
    await waitFor(async () => (await sessionRow(env, second)).desiredState === "running");
    await new Promise((r) => setTimeout(r, 500));
    expect(a.manager.owns(second)).toBe(false); // full: it waits for a worker with room

    const b = await h.startWorker({ maxSessions: 1 });
    await waitFor(async () => b.manager.owns(second), { what: "second worker claims" });
    await waitFor(statusIs(second, "ready"));
  });

  it("stops a session owned by another worker and keeps its auth", async () => {
    const [a, b] = h.workers;
    const owned = a!.manager.owned[0]!.sessionId;
    await env.db.db
      .insert(whatsappSessionAuth)
      .values({ sessionId: owned, data: Buffer.from("zip"), sizeBytes: 3 });
    await command(owned, "stop");
    const row = await waitFor(async () => {
      const r = await sessionRow(env, owned);
      return r.status === "stopped" && r.ownerWorkerId === null ? r : null;
    });
    expect(row.desiredState).toBe("stopped");
    expect(a!.manager.owns(owned) || b!.manager.owns(owned)).toBe(false);
    expect(await env.redis.redis.get(`${env.redis.prefix}:lease:session:${owned}`)).toBeNull();
    const auth = await env.db.db
      .select()
      .from(whatsappSessionAuth)
      .where(eq(whatsappSessionAuth.sessionId, owned));
    expect(auth).toHaveLength(1);
  });

  it("logs a session out: the owner stops it and the stored auth is forgotten", async () => {
    const [, b] = h.workers;
    const owned = b!.manager.owned[0]!.sessionId;
    await env.db.db
      .insert(whatsappSessionAuth)
      .values({ sessionId: owned, data: Buffer.from("zip"), sizeBytes: 3 });
    // The way the API does it: desired_state first, then the `logout-<id>` job.
    await env.db.db
      .update(whatsappSessions)
      .set({ desiredState: "stopped" })
      .where(eq(whatsappSessions.id, owned));
    await new Promise((r) => setTimeout(r, 450)); // a heartbeat sees the flip before the job
    await control.add(
      "logout",
      { sessionId: owned, action: "logout" },
      { jobId: `logout-${owned}` },
    );
    await waitFor(statusIs(owned, "stopped"));
    await waitFor(async () => {
      const auth = await env.db.db
        .select()
        .from(whatsappSessionAuth)
        .where(eq(whatsappSessionAuth.sessionId, owned));
      return auth.length === 0;
    });
    expect(h.network.linkedSessions.has(owned)).toBe(false);
  });

  it("stops a session whose desired state was flipped in the row, at the next heartbeat", async () => {
    const sessionId = await seedSession(env, userId);
    await h.startWorker();
    const ownedAnywhere = () => h.workers.some((w) => w.manager.owns(sessionId));
    await waitFor(async () => ownedAnywhere());
    await waitFor(statusIs(sessionId, "ready"));
    await env.db.db
      .update(whatsappSessions)
      .set({ desiredState: "stopped" })
      .where(eq(whatsappSessions.id, sessionId));
    await waitFor(statusIs(sessionId, "stopped"), { timeoutMs: 3000 });
    expect(ownedAnywhere()).toBe(false);
  });

  it("answers a repeated start of an open session with its real status", async () => {
    await h.startWorker({ maxSessions: 5 });
    const id = await seedSession(env, userId, { desired: "stopped" });
    await command(id, "start");
    await waitFor(statusIs(id, "ready"));
    // What POST /sessions/init writes before it enqueues the start.
    await env.db.db
      .update(whatsappSessions)
      .set({ status: "starting" })
      .where(eq(whatsappSessions.id, id));
    await command(id, "start");
    await waitFor(statusIs(id, "ready"), { what: "the owner republishes ready" });
  });
});
