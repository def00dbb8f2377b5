import { newId, webhookDeliveries } from "@wagate/db";
import { describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, send, useTestApp } from "../../../test/harness.js";

const t = useTestApp();
const base = "/api/v1/webhooks";

async function createHook(headers: Record<string, string>) {
  const res = await send(t, "POST", base, headers, {
    url: "https://example.com/hook",
    events: ["session.status"],
  });
  return ((await res.json()) as { id: string }).id;
}

describe("webhooks security", () => {
  const routes = (id: string, deliveryId: string) =>
    [
      ["GET", base, undefined],
      ["POST", base, { url: "https://example.com/x", events: ["session.status"] }],
      ["GET", `${base}/${id}`, undefined],
      ["PATCH", `${base}/${id}`, { description: "x" }],
      ["DELETE", `${base}/${id}`, undefined],
      ["GET", `${base}/${id}/deliveries`, undefined],
      ["POST", `${base}/${id}/deliveries/${deliveryId}/retry`, undefined],
    ] as const;

  it("answers 401 without a key, with a bad key, or with an admin JWT", async () => {
    const owner = await seedAccount(t);
    const id = await createHook(owner.headers);
    const admin = await adminHeaders(t);
    for (const [method, path, body] of routes(id, "whd_x")) {
      const attempts: Array<Record<string, string>> = [
        {},
        { authorization: "ApiKey wag_test_notarealkey" },
        { authorization: admin.headers.authorization },
      ];
      for (const headers of attempts) {
        const res = await send(t, method, path, headers, body);
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
      }
    }
  });

  it("answers 403 for a key without the webhooks:manage scope", async () => {
    const owner = await seedAccount(t);
    const id = await createHook(owner.headers);
    const limited = await seedAccount(t, { scopes: ["messages:send"] });
    for (const [method, path, body] of routes(id, "whd_x")) {
      const res = await send(t, method, path, limited.headers, body);
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });

  it("answers 404 for another account's webhook and deliveries, and changes nothing", async () => {
    const owner = await seedAccount(t);
    const id = await createHook(owner.headers);
    const deliveryId = newId("webhookDelivery");
    await t.deps.db.insert(webhookDeliveries).values({
      id: deliveryId,
      webhookId: id,
      userId: owner.userId,
      eventType: "session.status",
      payload: {},
      status: "failed",
    });
    const other = await seedAccount(t);
    for (const [method, path, body] of routes(id, deliveryId).slice(2)) {
      const res = await send(t, method, path, other.headers, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
    const list = await send(t, "GET", base, other.headers);
    expect(((await list.json()) as { data: unknown[] }).data).toEqual([]);
    const still = await send(t, "GET", `${base}/${id}`, owner.headers);
    expect(await still.json()).toMatchObject({ id, description: null });
  });
});
