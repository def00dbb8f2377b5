import { whatsappSessions } from "@wagate/db";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";

const t = useTestApp();

interface RouteCase {
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: unknown;
}

/**
 * The isolation case every account route shares: a request by another account (with every
 * scope) that names this account's message or session answers 404 `not_found` and changes
 * nothing the owner can see.
 */
async function expectNotFoundForOthers(headers: Record<string, string>, route: RouteCase) {
  const res = await t.app.request(route.path, {
    method: route.method,
    headers: route.body === undefined ? { authorization: headers.authorization! } : headers,
    ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
  });
  const text = await res.text();
  expect({ route: `${route.method} ${route.path}`, status: res.status, text }).toMatchObject({
    status: 404,
    text: expect.stringContaining('"code":"not_found"'),
  });
}

let owner: Awaited<ReturnType<typeof seedAccount>>;
let intruder: Awaited<ReturnType<typeof seedAccount>>;
let messageId: string;

beforeAll(async () => {
  owner = await seedAccount(t, { maxSessions: 3 });
  intruder = await seedAccount(t, { maxSessions: 3 });
  const init = await t.app.request("/api/v1/sessions/init?session=sales", {
    method: "POST",
    headers: { authorization: owner.headers.authorization },
  });
  expect(init.status).toBe(202);
  const sent = await t.app.request("/api/v1/messages/send-text", {
    method: "POST",
    headers: { ...owner.headers, "idempotency-key": "shared-key" },
    body: JSON.stringify({ to: "+213661234567", text: "private", session: "sales" }),
  });
  expect(sent.status).toBe(202);
  messageId = (await readBody(sent)).id;
});

describe("account isolation", () => {
  it("another account's message or session is 404 on every route that names one", async () => {
    const cases: RouteCase[] = [
      { method: "GET", path: `/api/v1/messages/${messageId}` },
      { method: "DELETE", path: `/api/v1/messages/${messageId}` },
      { method: "GET", path: "/api/v1/sessions/status?session=sales" },
      { method: "GET", path: "/api/v1/sessions/qr?session=sales" },
      { method: "GET", path: "/api/v1/sessions/events?session=sales" },
      { method: "POST", path: "/api/v1/sessions/disconnect?session=sales" },
      {
        method: "POST",
        path: "/api/v1/messages/send-text",
        body: { to: "+213661234567", text: "x", session: "sales" },
      },
      {
        method: "POST",
        path: "/api/v1/messages/send-media",
        body: { to: "+213661234567", media: { url: "http://127.0.0.1:9/a.png" }, session: "sales" },
      },
    ];
    for (const route of cases) await expectNotFoundForOthers(intruder.headers, route);
  });

  it("lists show only the caller's own sessions and messages", async () => {
    const sessions = await readBody(
      await t.app.request("/api/v1/sessions", { headers: intruder.headers }),
    );
    expect(sessions.data).toEqual([]);
    const list = await readBody(
      await t.app.request("/api/v1/messages", { headers: intruder.headers }),
    );
    expect(list.data).toEqual([]);
    const filtered = await readBody(
      await t.app.request("/api/v1/messages?to=%2B213661234567&status=queued", {
        headers: intruder.headers,
      }),
    );
    expect(filtered.data).toEqual([]);
  });

  it("the same session name or Idempotency-Key in another account is that account's own", async () => {
    const init = await t.app.request("/api/v1/sessions/init?session=sales", {
      method: "POST",
      headers: { authorization: intruder.headers.authorization },
    });
    expect(init.status).toBe(202);
    const sent = await t.app.request("/api/v1/messages/send-text", {
      method: "POST",
      headers: { ...intruder.headers, "idempotency-key": "shared-key" },
      body: JSON.stringify({ to: "+213661234567", text: "mine", session: "sales" }),
    });
    expect(sent.status).toBe(202);
    expect((await readBody(sent)).id).not.toBe(messageId);
    const [ownerSession] = await t.deps.db
      .select()
      .from(whatsappSessions)
      .where(and(eq(whatsappSessions.userId, owner.userId), eq(whatsappSessions.name, "sales")));
    expect(ownerSession?.desiredState).toBe("running");
    const mine = await readBody(
      await t.app.request(`/api/v1/messages/${messageId}`, { headers: owner.headers }),
    );
    expect(mine).toMatchObject({ status: "queued", text: "private" });
  });
});
