import { admins } from "@wagate/db";
import { describe, expect, it } from "vitest";
import { send, useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";

const t = useTestApp({ ADMIN_EMAIL: "First@Example.test", ADMIN_PASSWORD: "first-owner-password" });

describe("first admin from ADMIN_EMAIL / ADMIN_PASSWORD", () => {
  it("startBackground created one owner, who can log in", async () => {
    const rows = await t.deps.db.select().from(admins);
    expect(rows.map((r) => [r.email, r.role])).toEqual([["first@example.test", "owner"]]);
    const res = await send(
      t,
      "POST",
      "/api/v1/auth/login",
      {},
      {
        email: "first@example.test",
        password: "first-owner-password",
      },
    );
    expect(res.status).toBe(200);
    expect((await readBody(res)).admin.role).toBe("owner");
  });
});
