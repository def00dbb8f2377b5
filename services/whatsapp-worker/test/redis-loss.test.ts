import { useTestEnv } from "@wagate/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  enqueueTexts,
  harness,
  seedAccount,
  seedSession,
  sessionRow,
  waitFor,
  waitForStatus,
} from "./helpers.js";

const env = useTestEnv();
const h = harness(env);
let userId: string;

beforeAll(async () => {
  userId = await seedAccount(env);
});
afterAll(() => h.stopAll());

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

describe("Redis loses its data under a running worker", () => {
  it("keeps its sessions open and takes their leases back under the same token", async () => {
    const sessionId = await seedSession(env, userId);
    const worker = await h.startWorker();
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready");
    const runtime = worker.manager.runtime(sessionId)!;
    const leaseKey = `${env.redis.prefix}:lease:session:${sessionId}`;
    expect(await env.redis.redis.get(leaseKey)).toBe(`${worker.workerId}|${runtime.token}`);

    await loseRedis();
    await waitFor(async () => (await env.redis.redis.exists(leaseKey)) === 1, {
      timeoutMs: 20_000,
      what: "the lease to be held again",
    });
    // Same runtime (the driver was not stopped and reopened), same token, fence put back.
    expect(worker.manager.runtime(sessionId)).toBe(runtime);
    expect(await env.redis.redis.get(leaseKey)).toBe(`${worker.workerId}|${runtime.token}`);
    expect(Number(await env.redis.redis.get(`${env.redis.prefix}:lease:fence:${sessionId}`))).toBe(
      runtime.token,
    );
    expect((await sessionRow(env, sessionId)).status).toBe("ready");
    // And it still sends (a job added after the loss, as reconcile or the API would).
    const [id] = await enqueueTexts(env, { userId, sessionId, to: "+213661234567" });
    const sent = await waitForStatus(env, id!, "sent", 20_000);
    expect(sent.sendToken).toBe(runtime.token);
    expect(h.network.sendCount(id!)).toBe(1);
  });
});
