import { describe, expect, it } from "vitest";
import { seedAccount, send, useTestApp } from "../../../test/harness.js";

const t = useTestApp();
const base = "/api/v1/webhooks";

describe("webhooks CRUD", () => {
  it("creates a webhook and shows its secret only once", async () => {
    const account = await seedAccount(t);
    const res = await send(t, "POST", base, account.headers, {
      url: "https://example.com/hooks/wagate",
      events: ["message.status", "message.received", "message.status"],
      description: "orders",
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      url: "https://example.com/hooks/wagate",
      events: ["message.status", "message.received"],
      description: "orders",
      is_active: true,
    });
    expect(created.id).toMatch(/^whk_/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(String(created.secret).slice(6), "base64")).toHaveLength(32);

    const got = await send(t, "GET", `${base}/${created.id}`, account.headers);
    expect(got.status).toBe(200);
    const body = (await got.json()) as Record<string, unknown>;
    expect(body.secret).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain(String(created.secret));
    expect(body).toMatchObject({ id: created.id, url: created.url, events: created.events });

    const list = await send(t, "GET", base, account.headers);
    const listed = (await list.json()) as { data: Array<Record<string, unknown>> };
    expect(listed.data.map((w) => w.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain("whsec_");
  });

  it("lists newest first with cursor pagination", async () => {
    const account = await seedAccount(t);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await send(t, "POST", base, account.headers, {
        url: `https://example.com/${i}`,
        events: ["session.status"],
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    const first = await send(t, "GET", `${base}?limit=2`, account.headers);
    const page1 = (await first.json()) as { data: Array<{ id: string }>; next_cursor: string };
    expect(page1.data.map((w) => w.id)).toEqual([ids[2], ids[1]]);
    const second = await send(
      t,
      "GET",
      `${base}?limit=2&cursor=${page1.next_cursor}`,
      account.headers,
    );
    const page2 = (await second.json()) as { data: Array<{ id: string }>; next_cursor: null };
    expect(page2.data.map((w) => w.id)).toEqual([ids[0]]);
    expect(page2.next_cursor).toBeNull();
  });

  it("updates url, events, description and is_active; keeps the secret", async () => {
    const account = await seedAccount(t);
    const res = await send(t, "POST", base, account.headers, {
      url: "https://example.com/a",
      events: ["session.status"],
    });
    const { id } = (await res.json()) as { id: string };
    const patched = await send(t, "PATCH", `${base}/${id}`, account.headers, {
      url: "http://example.org/b",
      events: ["message.status"],
      description: null,
      is_active: false,
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      id,
      url: "http://example.org/b",
      events: ["message.status"],
      description: null,
      is_active: false,
    });
  });

  it("deletes a webhook: 204, then 404", async () => {
    const account = await seedAccount(t);
    const res = await send(t, "POST", base, account.headers, {
      url: "https://example.com/a",
      events: ["session.status"],
    });
    const { id } = (await res.json()) as { id: string };
    expect((await send(t, "DELETE", `${base}/${id}`, account.headers)).status).toBe(204);
    expect((await send(t, "GET", `${base}/${id}`, account.headers)).status).toBe(404);
    expect((await send(t, "DELETE", `${base}/${id}`, account.headers)).status).toBe(404);
  });

  it.each([
    ["an unknown event", { url: "https://example.com/", events: ["message.sent"] }],
    ["no events", { url: "https://example.com/", events: [] }],
    ["a non-http URL", { url: "ftp://example.com/", events: ["session.status"] }],
    ["not a URL", { url: "example.com", events: ["session.status"] }],
    ["a missing url", { events: ["session.status"] }],
  ])("refuses %s with 422 validation_failed", async (_name, body) => {
    const account = await seedAccount(t);
    const res = await send(t, "POST", base, account.headers, body);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "validation_failed",
    );
  });
});

describe("webhooks in the OpenAPI document", () => {
  it("describes every webhook operation with API key security", async () => {
    const res = await t.app.request("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const ops = [
      ["get", "/api/v1/webhooks"],
      ["post", "/api/v1/webhooks"],
      ["get", "/api/v1/webhooks/{id}"],
      ["patch", "/api/v1/webhooks/{id}"],
      ["delete", "/api/v1/webhooks/{id}"],
      ["get", "/api/v1/webhooks/{id}/deliveries"],
      ["post", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry"],
    ] as const;
    for (const [method, path] of ops) {
      expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([
        { ApiKey: [] },
        { ApiKeyHeader: [] },
      ]);
    }
  });
});
