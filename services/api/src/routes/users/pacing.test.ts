import { users } from "@wagate/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { adminHeaders, send, useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";

const t = useTestApp();
const tag = () => Math.random().toString(36).slice(2, 10);

async function createAccount(headers: Record<string, string>, extra: Record<string, unknown> = {}) {
  const res = await send(t, "POST", "/api/v1/users", headers, {
    name: "Paced",
    email: `paced-${tag()}@example.test`,
    ...extra,
  });
  return { res, body: await readBody(res) };
}

describe("/api/v1/users pacing", () => {
  it("round-trips pacing on create, GET, list and PATCH; null and {} clear it", async () => {
    const { headers } = await adminHeaders(t, "admin");
    const created = await createAccount(headers, { pacing: { per_minute: 10, burst: 2 } });
    expect(created.res.status).toBe(201);
    expect(created.body.pacing).toEqual({ per_minute: 10, burst: 2 });
    const id = created.body.id as string;
    const [row] = await t.deps.db.select().from(users).where(eq(users.id, id));
    // Stored in the shape the worker's resolvePacing reads.
    expect(row?.pacing).toEqual({ per_minute: 10, burst: 2 });

    const patch = {
      per_minute: 30,
      burst: 4,
      min_gap_ms: 0,
      jitter_ms: 250,
      rate_limit_pause_ms: 120_000,
    };
    const patched = await send(t, "PATCH", `/api/v1/users/${id}`, headers, { pacing: patch });
    expect(patched.status).toBe(200);
    expect((await readBody(patched)).pacing).toEqual(patch);
    const got = await send(t, "GET", `/api/v1/users/${id}`, headers);
    expect((await readBody(got)).pacing).toEqual(patch);
    const listed = await send(
      t,
      "GET",
      `/api/v1/users?search=${encodeURIComponent(created.body.email)}`,
      headers,
    );
    expect((await readBody(listed)).data[0].pacing).toEqual(patch);

    // Other fields leave it alone.
    const renamed = await send(t, "PATCH", `/api/v1/users/${id}`, headers, { name: "Renamed" });
    expect((await readBody(renamed)).pacing).toEqual(patch);

    const cleared = await send(t, "PATCH", `/api/v1/users/${id}`, headers, { pacing: null });
    expect((await readBody(cleared)).pacing).toBeNull();
    await send(t, "PATCH", `/api/v1/users/${id}`, headers, { pacing: { burst: 3 } });
    const emptied = await send(t, "PATCH", `/api/v1/users/${id}`, headers, { pacing: {} });
    expect((await readBody(emptied)).pacing).toBeNull();
    const [after] = await t.deps.db.select().from(users).where(eq(users.id, id));
    expect(after?.pacing).toBeNull();

    const plain = await createAccount(headers);
    expect(plain.body.pacing).toBeNull();
  });

  it("refuses unknown keys, non-integers, out-of-range values and non-objects (422)", async () => {
    const { headers } = await adminHeaders(t, "admin");
    const { body } = await createAccount(headers);
    const id = body.id as string;
    for (const [pacing, path] of [
      [{ perMinute: 10 }, "pacing"],
      [{ per_minute: 0 }, "pacing.per_minute"],
      [{ per_minute: 2.5 }, "pacing.per_minute"],
      [{ per_minute: 100_000 }, "pacing.per_minute"],
      [{ burst: -1 }, "pacing.burst"],
      [{ min_gap_ms: -5 }, "pacing.min_gap_ms"],
      [{ jitter_ms: "100" }, "pacing.jitter_ms"],
      [{ rate_limit_pause_ms: 10 ** 12 }, "pacing.rate_limit_pause_ms"],
      ["fast", "pacing"],
      [[1, 2], "pacing"],
    ] as const) {
      const res = await send(t, "PATCH", `/api/v1/users/${id}`, headers, { pacing });
      expect(res.status, JSON.stringify(pacing)).toBe(422);
      const fields = (await readBody(res)).error.details.fields.map(
        (f: { path: string }) => f.path,
      );
      expect(fields, JSON.stringify(pacing)).toContain(path);
    }
    const create = await createAccount(headers, { pacing: { burst: 0 } });
    expect(create.res.status).toBe(422);
    const [row] = await t.deps.db.select().from(users).where(eq(users.id, id));
    expect(row?.pacing).toBeNull();
  });
});
