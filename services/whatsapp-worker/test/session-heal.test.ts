import { newId, webhookDeliveries, webhooks } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { command, harness, seedAccount, seedSession, sessionRow, waitFor } from "./helpers.js";
import { stubDrivers } from "./stub-driver.js";

const env = useTestEnv();
const h = harness(env);
const stubs = stubDrivers();
let userId: string;

const HEAL = { reconnectDelayMs: 100, restartMaxDelayMs: 400, restartMaxAttempts: 3 };

beforeAll(async () => {
  userId = await seedAccount(env);
  await env.db.db.insert(webhooks).values({
    id: newId("webhook"),
    userId,
    url: "https://hooks.example.com/wagate",
    events: ["session.status"],
    secret: "whsec_dGVzdA==",
  });
  await h.startWorker(HEAL, stubs.factory);
});
afterAll(() => h.stopAll());

const statusEvents = async () =>
  (
    await env.db.db
      .select({ payload: webhookDeliveries.payload })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.userId, userId))
  ).map((r) => (r.payload as { data: { name: string; status: string; last_error?: string } }).data);

const waitStatus = (sessionId: string, status: string, what = status) =>
  waitFor(
    async () => {
      const row = await sessionRow(env, sessionId);
      return row.status === status ? row : null;
    },
    { timeoutMs: 20_000, what },
  );

describe("sessions that heal", () => {
  it("restarts a session that fails to start with doubling delays, then leaves it failed", async () => {
    stubs.startError = new Error("browser did not launch");
    const sessionId = await seedSession(env, userId, { name: "flaky" });
    const row = await waitFor(
      async () => {
        const r = await sessionRow(env, sessionId);
        return r.status === "failed" && r.lastError?.startsWith("gave up") ? r : null;
      },
      { timeoutMs: 30_000, what: "restarts exhausted" },
    );
    expect(row.lastError).toBe(
      "gave up after 3 restarts: restart 3 failed: browser did not launch",
    );
    const driver = stubs.of(sessionId)!;
    expect(driver.started).toBe(4); // the first start and 3 restarts
    const gaps = driver.startedAt.slice(1).map((t, i) => t - driver.startedAt[i]!);
    // Delays only ever come late on a busy machine: each is at least its backoff step.
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    await new Promise((r) => setTimeout(r, 1000));
    expect(driver.started).toBe(4); // and no more
    expect((await sessionRow(env, sessionId)).status).toBe("failed");
    const events = (await statusEvents()).filter((e) => e.name === "flaky");
    expect(events.at(-1)).toMatchObject({
      status: "failed",
      last_error: "gave up after 3 restarts: restart 3 failed: browser did not launch",
    });

    // Started again by its owner: a fresh runtime, and this time the browser comes up.
    stubs.startError = null;
    await command(env, sessionId, "running");
    await waitStatus(sessionId, "ready", "ready after a start");
  });

  it("restarts an unexpectedly disconnected session, and counts again once ready", async () => {
    const sessionId = await seedSession(env, userId, { name: "dropping" });
    await waitStatus(sessionId, "ready");
    const driver = stubs.of(sessionId)!;
    // More disconnects than the cap allows restarts: each one heals, so it never gives up.
    for (let i = 1; i <= 5; i++) {
      driver.emit("disconnected", "NAVIGATION");
      await waitFor(async () => driver.started === i + 1, {
        timeoutMs: 20_000,
        what: `restart ${i}`,
      });
      await waitStatus(sessionId, "ready", `ready after restart ${i}`);
    }
    expect(driver.stopped).toBeGreaterThanOrEqual(5);
    const statuses = (await statusEvents())
      .filter((e) => e.name === "dropping")
      .map((e) => e.status);
    expect(statuses.filter((s) => s === "disconnected")).toHaveLength(5);
    expect(statuses).not.toContain("failed");
  });

  it("restarts a session after an authentication failure", async () => {
    const sessionId = await seedSession(env, userId, { name: "unlinked" });
    await waitStatus(sessionId, "ready");
    const driver = stubs.of(sessionId)!;
    driver.emit("auth_failure", "restore failed");
    await waitFor(async () => driver.started === 2, { timeoutMs: 20_000, what: "restart" });
    await waitStatus(sessionId, "ready", "ready after the restart");
    const events = (await statusEvents()).filter((e) => e.name === "unlinked");
    expect(events).toContainEqual(
      expect.objectContaining({
        status: "failed",
        last_error: "authentication failed: restore failed",
      }),
    );
  });
});
