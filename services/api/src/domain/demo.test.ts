import { apiKeys, users } from "@wagate/db";
import { describe, expect, it } from "vitest";
import { useTestApp } from "../../test/harness.js";
import { ensureDemoAccount } from "./demo.js";

const t = useTestApp();

describe("ensureDemoAccount", () => {
  it("creates one Demo account with a working test key on an empty database, and nothing after", async () => {
    const results = await Promise.all([
      ensureDemoAccount(t.deps),
      ensureDemoAccount(t.deps),
      ensureDemoAccount(t.deps),
    ]);
    const created = results.filter((r) => r !== null);
    expect(created).toHaveLength(1);
    const demo = created[0]!;
    expect(demo.rawKey).toMatch(/^wag_test_/);
    expect(await t.deps.db.select().from(users)).toMatchObject([{ id: demo.userId, name: "Demo" }]);
    const keys = await t.deps.db.select().from(apiKeys);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ mode: "test", userId: demo.userId });
    expect(JSON.stringify(keys)).not.toContain(demo.rawKey);

    const init = await t.app.request("/api/v1/sessions/init", {
      method: "POST",
      headers: { authorization: `ApiKey ${demo.rawKey}` },
    });
    expect(init.status).toBe(202);
    expect(await init.json()).toMatchObject({ driver: "simulator", mode: "test" });

    expect(await ensureDemoAccount(t.deps)).toBeNull();
  });
});
