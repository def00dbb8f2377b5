import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { eventually, type Stack, startStack } from "./stack.js";

/** POST /sessions/disconnect beside a real worker answers with the state after the call. */
const t = useTestApp();
let stack: Stack;
let account: Awaited<ReturnType<typeof seedAccount>>;

const api = (method: string, path: string) =>
  t.app.request(path, { method, headers: { authorization: account.headers.authorization } });

beforeAll(async () => {
  stack = await startStack(t);
  account = await seedAccount(t);
});
afterAll(async () => {
  await stack?.stop();
});

describe("flow: disconnect", () => {
  it("answers with the session stopped, not with the state from before the call", async () => {
    expect((await api("POST", "/api/v1/sessions/init?session=ops")).status).toBe(202);
    await eventually(
      async () =>
        (await readBody(await api("GET", "/api/v1/sessions/status?session=ops"))).status ===
        "ready",
      "a ready session",
      30_000,
    );
    const res = await api("POST", "/api/v1/sessions/disconnect?session=ops");
    expect(res.status).toBe(202);
    expect(await readBody(res)).toMatchObject({ name: "ops", status: "stopped" });
    expect((await readBody(await api("GET", "/api/v1/sessions/status?session=ops"))).status).toBe(
      "stopped",
    );
  });

  it("a storm of inits and disconnects ends in the state of the last call", async () => {
    const status = async () =>
      (await readBody(await api("GET", "/api/v1/sessions/status?session=storm"))).status;
    for (let i = 0; i < 6; i++) {
      expect((await api("POST", "/api/v1/sessions/init?session=storm")).status).toBe(202);
      expect((await api("POST", "/api/v1/sessions/disconnect?session=storm")).status).toBe(202);
    }
    expect((await api("POST", "/api/v1/sessions/init?session=storm")).status).toBe(202);
    await eventually(async () => (await status()) === "ready", "ready after the storm", 30_000);

    for (let i = 0; i < 6; i++) {
      expect((await api("POST", "/api/v1/sessions/disconnect?session=storm")).status).toBe(202);
      expect((await api("POST", "/api/v1/sessions/init?session=storm")).status).toBe(202);
    }
    expect((await api("POST", "/api/v1/sessions/disconnect?session=storm")).status).toBe(202);
    await eventually(async () => (await status()) === "stopped", "stopped after the storm", 30_000);
    // Settled: no late action of the storm reopens it.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await status()).toBe("stopped");
    expect(stack.worker.manager.owned).toHaveLength(0);
  });
});
