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
});
