import { messages, newId, whatsappSessions } from "@wagate/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../src/app.js";
import { withApiState } from "../src/deps.js";
import { startApiKeyInvalidation } from "../src/domain/api-keys/cache.js";
import { getSessionCache, invalidateSessions } from "../src/domain/sessions/cache.js";
import type { AppDeps } from "../src/lib/context.js";
import { accountWithSession, postJson } from "../src/routes/messages/test-helpers.js";
import { useTestApp } from "./harness.js";
import { readBody } from "./security.js";

/** The accept path's session cache: no session query per send, dropped on change everywhere. */
const t = useTestApp();
const SEND = "/api/v1/messages/send-text";
/** Well inside the cache's 30 s TTL: only the invalidation message can make it. */
const DEADLINE = { timeout: 15_000, interval: 20 };

let replica: { app: App; deps: AppDeps; stop: () => Promise<void> };
beforeAll(async () => {
  const deps: AppDeps = withApiState({ ...t.deps });
  replica = { app: createApp(deps), deps, stop: await startApiKeyInvalidation(deps) };
});
afterAll(async () => {
  await replica?.stop();
});

describe("session cache of the accept path", () => {
  it("another replica drops its cached session when a change is published, and sends go to the new session", async () => {
    const a = await accountWithSession(t);
    const first = await postJson({ ...t, app: replica.app }, SEND, a.headers, {
      to: "+213661234567",
      text: "1",
    });
    expect(first.status).toBe(202);
    expect(getSessionCache(replica.deps).size).toBeGreaterThan(0);

    // The session is made again under the same name (a new id) by another replica.
    await t.deps.db.delete(whatsappSessions).where(eq(whatsappSessions.id, a.sessionId));
    const newSessionId = newId("session");
    await t.deps.db.insert(whatsappSessions).values({
      id: newSessionId,
      userId: a.userId,
      name: "default",
      mode: "test",
      driver: "simulator",
    });
    await invalidateSessions(t.deps, { userId: a.userId });
    await expect.poll(() => getSessionCache(replica.deps).size, DEADLINE).toBe(0);

    const second = await postJson({ ...t, app: replica.app }, SEND, a.headers, {
      to: "+213661234567",
      text: "2",
    });
    expect(second.status).toBe(202);
    const [row] = await t.deps.db
      .select()
      .from(messages)
      .where(eq(messages.id, (await readBody(second)).id));
    expect(row?.sessionId).toBe(newSessionId);
  });

  it("a session created by POST /sessions/init is found at once", async () => {
    const a = await accountWithSession(t);
    const missing = await postJson(t, "/api/v1/messages/send-text?session=other", a.headers, {
      to: "+213661234567",
      text: "x",
    });
    expect(missing.status).toBe(404);
    const init = await postJson(t, "/api/v1/sessions/init", a.headers, { session: "other" });
    expect(init.status).toBe(202);
    const sent = await postJson(t, "/api/v1/messages/send-text?session=other", a.headers, {
      to: "+213661234567",
      text: "x",
    });
    expect(sent.status).toBe(202);
  });
});
