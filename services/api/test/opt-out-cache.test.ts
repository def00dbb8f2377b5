import { apiCacheInvalidationChannel } from "@wagate/contracts";
import { publishInvalidation } from "@wagate/core";
import { newId, optOuts } from "@wagate/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../src/app.js";
import { withApiState } from "../src/deps.js";
import { startApiKeyInvalidation } from "../src/domain/api-keys/cache.js";
import { getOptOutCache } from "../src/domain/messages/opt-out-cache.js";
import type { AppDeps } from "../src/lib/context.js";
import { accountWithSession, postJson } from "../src/routes/messages/test-helpers.js";
import { useTestApp } from "./harness.js";
import { readBody } from "./security.js";

/**
 * The accept path's opt-out cache: no opt-out query per send, the account's list dropped on
 * every replica when it changes (through the API or a keyword the worker received).
 */
const t = useTestApp();
const SEND = "/api/v1/messages/send-text";
/** Well inside the cache's 30 s TTL: only the invalidation message can make it. */
const DEADLINE = { timeout: 15_000, interval: 50 };

let replica: { app: App; deps: AppDeps; stop: () => Promise<void> };
beforeAll(async () => {
  const deps: AppDeps = withApiState({ ...t.deps });
  replica = { app: createApp(deps), deps, stop: await startApiKeyInvalidation(deps) };
});
afterAll(async () => {
  await replica?.stop();
});

const sendOn = (app: App, headers: Record<string, string>, to: string) =>
  postJson({ ...t, app }, SEND, headers, { to, text: "hello" });

describe("opt-out cache of the accept path", () => {
  it("keeps an account's list in memory, and every replica drops it when the API changes it", async () => {
    const a = await accountWithSession(t);
    const phone = "+213661000301";
    expect((await sendOn(replica.app, a.headers, phone)).status).toBe(202);
    expect(getOptOutCache(replica.deps).size).toBeGreaterThan(0);

    // A row written behind the cache's back is not seen: the list is not read per send.
    await t.deps.db.insert(optOuts).values({
      id: newId("optOut"),
      userId: a.userId,
      phone,
      source: "admin",
    });
    expect((await sendOn(replica.app, a.headers, phone)).status).toBe(202);

    // Through the API (on the other replica): this replica refuses at once, not after the TTL.
    const other = "+213661000302";
    const created = await postJson(t, "/api/v1/opt-outs", a.headers, { phone: other });
    expect(created.status).toBe(201);
    await expect
      .poll(async () => (await sendOn(replica.app, a.headers, other)).status, DEADLINE)
      .toBe(422);
    const refused = await sendOn(replica.app, a.headers, phone);
    expect(refused.status).toBe(422);
    expect((await readBody(refused)).error.code).toBe("recipient_opted_out");

    // Taken off the list: sends go through again on both replicas.
    const removed = await t.app.request(`/api/v1/opt-outs?phone=${encodeURIComponent(other)}`, {
      method: "DELETE",
      headers: a.headers,
    });
    expect(removed.status).toBe(204);
    expect((await sendOn(t.app, a.headers, other)).status).toBe(202);
    await expect
      .poll(async () => (await sendOn(replica.app, a.headers, other)).status, DEADLINE)
      .toBe(202);
  });

  it("drops the list when the worker publishes a keyword opt-out", async () => {
    const a = await accountWithSession(t);
    const phone = "+213661000303";
    expect((await sendOn(replica.app, a.headers, phone)).status).toBe(202);
    await t.deps.db.insert(optOuts).values({
      id: newId("optOut"),
      userId: a.userId,
      phone,
      source: "keyword",
    });
    // What `applyInboundConsent` publishes once its transaction committed.
    await publishInvalidation(
      t.deps.redis,
      apiCacheInvalidationChannel(t.deps.redisPrefix),
      { kind: "opt-outs", keyIds: [], userId: a.userId },
      t.deps.logger,
    );
    await expect
      .poll(async () => (await sendOn(replica.app, a.headers, phone)).status, DEADLINE)
      .toBe(422);
  });
});
