import { admins } from "@wagate/db";
import { and, eq, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { adminHeaders, send, useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";

// Own database: this file needs to know exactly how many owners exist.
const t = useTestApp();

const activeOwners = async () =>
  (
    await t.deps.db
      .select()
      .from(admins)
      .where(and(eq(admins.role, "owner"), eq(admins.isActive, true), isNull(admins.deletedAt)))
  ).length;

describe("the last active owner", () => {
  it("cannot be demoted, deactivated or deleted (409); concurrent demotions leave one owner", async () => {
    const a = await adminHeaders(t, "owner");
    const self = a.admin.id;
    for (const [method, body] of [
      ["PATCH", { role: "admin" }],
      ["PATCH", { is_active: false }],
      ["DELETE", undefined],
    ] as const) {
      const res = await send(t, method, `/api/v1/admins/${self}`, a.headers, body);
      expect(res.status).toBe(409);
      expect((await readBody(res)).error.code).toBe("conflict");
    }
    const b = await adminHeaders(t, "owner");
    const results = await Promise.all([
      send(t, "PATCH", `/api/v1/admins/${b.admin.id}`, a.headers, { role: "admin" }),
      send(t, "PATCH", `/api/v1/admins/${a.admin.id}`, b.headers, { role: "admin" }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await activeOwners()).toBe(1);
  });
});
