import { whatsappSessions } from "@wagate/db";
import type { PacingPolicy } from "@wagate/whatsapp-worker";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, send, useTestApp } from "../harness.js";
import { eventually, type Stack, startStack } from "./stack.js";

/** An admin's pacing change reaches the account's running session without a restart. */
const t = useTestApp();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack(t, { linkDelayMs: 10 });
});
afterAll(async () => {
  await stack?.stop();
});

/** The pacing policy the owning worker applies to the session now. */
function livePolicy(sessionId: string): PacingPolicy | undefined {
  const runtime = stack.worker.manager.runtime(sessionId);
  // Private to the runtime and its pacer: read here only to see what the worker applies.
  // biome-ignore lint/complexity/useLiteralKeys: TypeScript allows private access by brackets only
  return runtime?.["pacer"]["policy"];
}

describe("pacing overrides", () => {
  it("a PATCH of users.pacing is applied by the session's owner at once; null restores the defaults", async () => {
    const account = await seedAccount(t, { mode: "test" });
    const init = await send(t, "POST", "/api/v1/sessions/init", account.headers, {});
    expect(init.status).toBe(202);
    const [row] = await t.deps.db
      .select({ id: whatsappSessions.id })
      .from(whatsappSessions)
      .where(eq(whatsappSessions.userId, account.userId));
    const policy = await eventually(
      async () => livePolicy(row!.id),
      "the worker to run the session",
      30_000,
    );
    expect(policy.perMinute).toBe(Number.POSITIVE_INFINITY); // the stack's NO_PACING

    const { headers } = await adminHeaders(t, "admin");
    const res = await send(t, "PATCH", `/api/v1/users/${account.userId}`, headers, {
      pacing: { per_minute: 7, burst: 2, min_gap_ms: 1234 },
    });
    expect(res.status).toBe(200);
    await eventually(
      async () => livePolicy(row!.id)?.perMinute === 7,
      "the new pacing on the running session",
      30_000,
    );
    expect(livePolicy(row!.id)).toMatchObject({ perMinute: 7, burst: 2, minGapMs: 1234 });

    await send(t, "PATCH", `/api/v1/users/${account.userId}`, headers, { pacing: null });
    await eventually(
      async () => livePolicy(row!.id)?.perMinute === Number.POSITIVE_INFINITY,
      "the defaults back on the running session",
      30_000,
    );
  }, 90_000);
});
