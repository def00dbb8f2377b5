import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { admins, createDb } from "@wagate/db";
import { TEST_PASSWORD_COST, useTestEnv } from "@wagate/testkit";
import argon2 from "argon2";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { bootstrapFirstAdmin } from "./bootstrap.js";

const env = useTestEnv();
const run = promisify(execFile);
const apiRoot = fileURLToPath(new URL("../../../", import.meta.url));

describe("first-admin bootstrap", () => {
  it("creates exactly one owner when two replicas race, and nothing afterwards", async () => {
    const replicas = [createDb(env.db.url, { max: 2 }), createDb(env.db.url, { max: 2 })];
    try {
      const results = await Promise.all(
        replicas.map((r, i) =>
          bootstrapFirstAdmin(
            r.db,
            {
              email: "Boss@Example.test",
              password: `first-password-${i}`,
            },
            TEST_PASSWORD_COST,
          ),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const rows = await env.db.db.select().from(admins);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ email: "boss@example.test", role: "owner", isActive: true });
      expect(rows[0]!.passwordHash.startsWith("$argon2id$")).toBe(true);
      const again = await bootstrapFirstAdmin(
        env.db.db,
        {
          email: "other@example.test",
          password: "another-password",
        },
        TEST_PASSWORD_COST,
      );
      expect(again.created).toBe(false);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it("npm run admin -- create / list: creates an admin, never prints the password", async () => {
    const password = "cli-secret-password-42";
    const cliEnv = { ...process.env, DATABASE_URL: env.db.url };
    const created = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/cli/admin.ts",
        "create",
        "--email",
        "cli@example.test",
        "--password",
        password,
        "--role",
        "admin",
      ],
      { cwd: apiRoot, env: cliEnv },
    );
    expect(created.stdout).toMatch(/created admin cli@example\.test \(adm_/);
    expect(created.stdout + created.stderr).not.toContain(password);
    const [row] = await env.db.db.select().from(admins).where(eq(admins.email, "cli@example.test"));
    expect(await argon2.verify(row!.passwordHash, password)).toBe(true);

    const listed = await run(process.execPath, ["--import", "tsx", "src/cli/admin.ts", "list"], {
      cwd: apiRoot,
      env: cliEnv,
    });
    expect(listed.stdout).toContain("cli@example.test");
    expect(listed.stdout).toContain("boss@example.test");

    const short = run(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/cli/admin.ts",
        "create",
        "--email",
        "x@example.test",
        "--password",
        "short",
      ],
      { cwd: apiRoot, env: cliEnv },
    );
    await expect(short).rejects.toMatchObject({ code: 2 });
    // Three CLI processes that each compile TypeScript: minutes on a busy machine.
  }, 240_000);
});
