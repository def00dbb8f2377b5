import { auditLogs } from "@wagate/db";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, send, useTestApp } from "../../../test/harness.js";
import { expectAdminRouteSecurity, readBody } from "../../../test/security.js";
import { checkRecipient } from "../../domain/phone/policy.js";

const t = useTestApp();
let owner: Record<string, string>;
let viewer: Record<string, string>;

beforeAll(async () => {
  owner = (await adminHeaders(t, "owner")).headers;
  viewer = (await adminHeaders(t, "viewer")).headers;
});

describe("phone prefixes (admin)", () => {
  it("creates, lists, refuses a duplicate, deletes, and audits each write", async () => {
    const created = await send(t, "POST", "/api/v1/phone-prefixes", owner, {
      prefix: "+213 6",
      carrier: "Mobilis",
      country: "dz",
      allowed: true,
    });
    expect(created.status).toBe(201);
    const row = await readBody(created);
    expect(row).toMatchObject({
      prefix: "+2136",
      carrier: "Mobilis",
      country: "DZ",
      allowed: true,
    });
    expect(row.id).toMatch(/^pfx_/);

    const dup = await send(t, "POST", "/api/v1/phone-prefixes", owner, {
      prefix: "+2136",
      allowed: false,
    });
    expect(dup.status).toBe(409);
    expect((await readBody(dup)).error.code).toBe("conflict");

    const list = await send(t, "GET", "/api/v1/phone-prefixes", viewer);
    expect(list.status).toBe(200);
    const body = await readBody(list);
    expect(body.data.map((r: { id: string }) => r.id)).toContain(row.id);
    expect(body.next_cursor).toBeNull();

    const removed = await send(t, "DELETE", `/api/v1/phone-prefixes/${row.id}`, owner);
    expect(removed.status).toBe(204);
    expect((await send(t, "DELETE", `/api/v1/phone-prefixes/${row.id}`, owner)).status).toBe(404);

    const audits = await t.deps.db.select().from(auditLogs).where(eq(auditLogs.targetId, row.id));
    expect(audits.map((a) => a.action).sort()).toEqual([
      "phone_prefix.create",
      "phone_prefix.delete",
    ]);
  });

  it("validates the prefix shape", async () => {
    for (const prefix of ["2136", "+", "+21a", `+${"1".repeat(16)}`]) {
      const res = await send(t, "POST", "/api/v1/phone-prefixes", owner, { prefix });
      expect(res.status, prefix).toBe(422);
      expect((await readBody(res)).error.details.fields[0].path).toBe("prefix");
    }
  });

  it("paginates newest first", async () => {
    for (const p of ["+441", "+442", "+443"]) {
      expect(
        (await send(t, "POST", "/api/v1/phone-prefixes", owner, { prefix: p, allowed: false }))
          .status,
      ).toBe(201);
    }
    const first = await readBody(await send(t, "GET", "/api/v1/phone-prefixes?limit=2", owner));
    expect(first.data.map((r: { prefix: string }) => r.prefix)).toEqual(["+443", "+442"]);
    const second = await readBody(
      await send(t, "GET", `/api/v1/phone-prefixes?limit=2&cursor=${first.next_cursor}`, owner),
    );
    expect(second.data.map((r: { prefix: string }) => r.prefix)).toContain("+441");
  });

  it("applies a change to the policy at once in this process", async () => {
    expect((await checkRecipient(t.deps.db, "+33612345678")).allowed).toBe(true);
    const res = await send(t, "POST", "/api/v1/phone-prefixes", owner, {
      prefix: "+336",
      allowed: false,
    });
    expect(res.status).toBe(201);
    expect(await checkRecipient(t.deps.db, "+33612345678")).toMatchObject({
      allowed: false,
      reason: "denied",
    });
    await send(t, "DELETE", `/api/v1/phone-prefixes/${(await readBody(res)).id}`, owner);
    expect((await checkRecipient(t.deps.db, "+33612345678")).allowed).toBe(true);
  });

  it("is protected: admin bearer only, viewer read-only", async () => {
    await expectAdminRouteSecurity(t, {
      method: "GET",
      path: "/api/v1/phone-prefixes",
      write: false,
    });
    await expectAdminRouteSecurity(t, {
      method: "POST",
      path: "/api/v1/phone-prefixes",
      body: { prefix: "+999" },
      write: true,
    });
    await expectAdminRouteSecurity(t, {
      method: "DELETE",
      path: "/api/v1/phone-prefixes/pfx_01J9Z8Q4X3M2N1P0R9S8T7V6W5",
      write: true,
    });
  });
});
