import { useTestEnv } from "@wagate/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WhatsAppWorker } from "../src/worker.js";
import { harness, seedAccount, seedSession, sessionRow, waitFor } from "./helpers.js";
import { stubDrivers } from "./stub-driver.js";

const env = useTestEnv();
const h = harness(env);
const stubs = stubDrivers();
let worker: WhatsAppWorker;
let userId: string;

beforeAll(async () => {
  userId = await seedAccount(env);
  worker = await h.startWorker(
    { browserCheckMs: 100, browserMaxMemoryBytes: 200 * 1024 * 1024, reconnectDelayMs: 5_000 },
    stubs.factory,
  );
});
afterAll(() => h.stopAll());

describe("browser memory of a session", () => {
  it("is exported per session and recycles the browser above the limit", async () => {
    const sessionId = await seedSession(env, userId);
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready", {
      timeoutMs: 20_000,
      what: "ready",
    });
    const driver = stubs.of(sessionId)!;
    driver.memoryBytes = 150 * 1024 * 1024;
    const metric = async () =>
      (await worker.registry.getSingleMetric("wagate_session_browser_memory_bytes")?.get())
        ?.values ?? [];
    expect(await metric()).toContainEqual(
      expect.objectContaining({ labels: { session: sessionId }, value: 150 * 1024 * 1024 }),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(driver.recycles).toEqual([]); // under the limit: left alone

    driver.memoryBytes = 300 * 1024 * 1024;
    await waitFor(async () => driver.recycles.length > 0, { timeoutMs: 20_000, what: "recycle" });
    expect(driver.recycles[0]).toMatch(/browser uses 300 MiB \(limit 200 MiB\)/);
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready", {
      timeoutMs: 20_000,
      what: "ready after the recycle",
    });
    expect(driver.started).toBe(1); // the driver replaced its browser itself; no restart
    expect(await metric()).toContainEqual(
      expect.objectContaining({ labels: { session: sessionId }, value: 0 }),
    );
  });
});
