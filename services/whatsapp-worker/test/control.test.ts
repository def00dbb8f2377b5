import { whatsappSessionAuth, whatsappSessions } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { command, harness, seedAccount, seedSession, sessionRow, waitFor } from "./helpers.js";

/**
 * Session control: the row's `desired_state` is the only truth, the nudge on the owners'
 * channel only makes a worker act at once (`command` in helpers.ts gives both, as the API).
 */
const env = useTestEnv();
const h = harness(env);
let userId: string;

beforeAll(async () => {
  userId = await seedAccount(env);
});
afterAll(() => h.stopAll());

const statusIs = (sessionId: string, status: string) => async () => {
  const row = await sessionRow(env, sessionId);
  return row.status === status ? row : null;
};

const storeAuth = (sessionId: string) =>
  env.db.db
    .insert(whatsappSessionAuth)
    .values({ sessionId, data: Buffer.from("zip"), sizeBytes: 3 });

const authRows = async (sessionId: string) =>
  (
    await env.db.db
      .select()
      .from(whatsappSessionAuth)
      .where(eq(whatsappSessionAuth.sessionId, sessionId))
  ).length;

/** The session logged out for good: auth row gone, phone unlinked, stopped, nobody owns it. */
const loggedOut = (sessionId: string) => async () => {
  const row = await sessionRow(env, sessionId);
  const done =
    row.status === "stopped" &&
    row.desiredState === "stopped" &&
    row.ownerWorkerId === null &&
    (await authRows(sessionId)) === 0 &&
    !h.network.linkedSessions.has(sessionId);
  return done ? row : null;
};

const owners = (sessionId: string) => h.workers.filter((w) => w.manager.owns(sessionId)).length;

/** Every key under this file's prefix, deleted atomically: FLUSHALL for this test only. */
const loseRedis = () =>
  env.redis.redis.eval(
    `local cursor = "0"
    repeat
      local page = redis.call("SCAN", cursor, "MATCH", ARGV[1], "COUNT", 1000)
      cursor = page[1]
      for _, key in ipairs(page[2]) do redis.call("UNLINK", key) end
    until cursor == "0"
    return 0`,
    0,
    `${env.redis.prefix}:*`,
  );

describe("session control", () => {
  it("starts a stopped session on a worker with room, up to WORKER_MAX_SESSIONS", async () => {
    const a = await h.startWorker({ maxSessions: 1 });
    const first = await seedSession(env, userId, { desired: "stopped" });
    const second = await seedSession(env, userId, { desired: "stopped" });
    await command(env, first, "running");
    await waitFor(statusIs(first, "ready"));
    await command(env, second, "running");
    await new Promise((r) => setTimeout(r, 500));
    expect(a.manager.owns(second)).toBe(false); // full: it waits for a worker with room

    const b = await h.startWorker({ maxSessions: 1 });
    await waitFor(async () => b.manager.owns(second), { what: "second worker claims" });
    await waitFor(statusIs(second, "ready"));
  });

  it("stops a session owned by another worker and keeps its auth", async () => {
    const [a, b] = h.workers;
    const owned = a!.manager.owned[0]!.sessionId;
    await storeAuth(owned);
    await command(env, owned, "stopped");
    const row = await waitFor(async () => {
      const r = await sessionRow(env, owned);
      return r.status === "stopped" && r.ownerWorkerId === null ? r : null;
    });
    expect(row.desiredState).toBe("stopped");
    expect(a!.manager.owns(owned) || b!.manager.owns(owned)).toBe(false);
    expect(await env.redis.redis.get(`${env.redis.prefix}:lease:session:${owned}`)).toBeNull();
    expect(await authRows(owned)).toBe(1);
  });

  it("logs a session out: the owner stops it, forgets the stored auth and settles the row", async () => {
    const [, b] = h.workers;
    const owned = b!.manager.owned[0]!.sessionId;
    await storeAuth(owned);
    expect(h.network.linkedSessions.has(owned)).toBe(true);
    await command(env, owned, "logged_out");
    await waitFor(loggedOut(owned), { what: "logged out" });
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
    await command(env, id, "running");
    await waitFor(statusIs(id, "ready"));
    // What POST /sessions/init writes besides the desired state.
    await env.db.db
      .update(whatsappSessions)
      .set({ status: "starting" })
      .where(eq(whatsappSessions.id, id));
    await command(env, id, "running");
    await waitFor(statusIs(id, "ready"), { what: "the owner republishes ready" });
  });
});

describe("session control without the nudge", () => {
  it("an owner that missed the nudge logs the session out from the row at its next heartbeat", async () => {
    await h.stopAll();
    const sessionId = await seedSession(env, userId);
    const a = await h.startWorker();
    await waitFor(statusIs(sessionId, "ready"));
    await storeAuth(sessionId);
    await command(env, sessionId, "logged_out", { nudge: false });
    await waitFor(loggedOut(sessionId), { what: "logged out at a heartbeat" });
    expect(a.manager.owns(sessionId)).toBe(false);
  }, 120_000);

  it("a logout given while the owner is down is carried out by the next worker, without an owner", async () => {
    await h.stopAll();
    const sessionId = await seedSession(env, userId);
    const a = await h.startWorker();
    await waitFor(statusIs(sessionId, "ready"));
    await storeAuth(sessionId);
    await a.crash(); // its lease stays in Redis until it expires
    await command(env, sessionId, "logged_out"); // the nudge reaches nobody alive
    expect(await authRows(sessionId)).toBe(1);

    await h.startWorker(); // the worker comes back (a new process)
    const row = await waitFor(loggedOut(sessionId), { what: "logged out with no owner" });
    expect(row.status).toBe("stopped");
    // It was logged out, not claimed: nobody runs it afterwards.
    await new Promise((r) => setTimeout(r, 600));
    expect(owners(sessionId)).toBe(0);
    expect((await sessionRow(env, sessionId)).status).toBe("stopped");
  }, 120_000);

  it("a Redis wipe does not lose a pending logout", async () => {
    await h.stopAll();
    const sessionId = await seedSession(env, userId);
    const a = await h.startWorker();
    await waitFor(statusIs(sessionId, "ready"));
    await storeAuth(sessionId);
    await a.crash();
    await command(env, sessionId, "logged_out");
    await loseRedis(); // leases, fences and any Redis state of the command are gone
    await h.startWorker();
    await waitFor(loggedOut(sessionId), { what: "logged out after the wipe" });
  }, 120_000);
});

describe("command storms", () => {
  const storm = async (sessionId: string, last: "running" | "logged_out") => {
    let doubleOwned = false;
    const watch = setInterval(() => {
      if (owners(sessionId) > 1) doubleOwned = true;
    }, 5);
    const states = ["running", "logged_out"] as const;
    for (let i = 0; i < 20; i++) {
      await command(env, sessionId, states[i % 2]!);
      // Commands land while workers are mid-action: sometimes at once, sometimes a bit later.
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 15));
    }
    await command(env, sessionId, last);
    return () => {
      clearInterval(watch);
      return doubleOwned;
    };
  };

  it("init/disconnect storms end in the state of the last command: running", async () => {
    await h.stopAll();
    // Balancing may rightly move a ready session between these two workers; this test
    // watches a storm settle, so the session stays where it lands.
    await h.startWorker({ balanceSessions: false });
    await h.startWorker({ balanceSessions: false });
    const sessionId = await seedSession(env, userId, { desired: "stopped" });
    const done = await storm(sessionId, "running");
    await waitFor(
      async () => {
        const row = await sessionRow(env, sessionId);
        return row.status === "ready" && row.desiredState === "running" && owners(sessionId) === 1;
      },
      { what: "ready on one worker" },
    );
    // Settled: it stays so (no late action of the storm undoes it).
    await new Promise((r) => setTimeout(r, 1000));
    expect((await sessionRow(env, sessionId)).status).toBe("ready");
    expect(owners(sessionId)).toBe(1);
    expect(done()).toBe(false);
  }, 120_000);

  it("init/disconnect storms end in the state of the last command: logged out", async () => {
    const sessionId = await seedSession(env, userId);
    await waitFor(statusIs(sessionId, "ready"));
    await storeAuth(sessionId);
    const done = await storm(sessionId, "logged_out");
    await waitFor(loggedOut(sessionId), { what: "logged out at the end of the storm" });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await loggedOut(sessionId)()).toBeTruthy();
    expect(owners(sessionId)).toBe(0);
    expect(done()).toBe(false);
  }, 120_000);
});
