import { randomBytes } from "node:crypto";
import { QUEUES, sendQueueName } from "@wagate/contracts";
import { newId, whatsappSessions } from "@wagate/db";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, useTestApp } from "../../../test/harness.js";
import { expectAdminRouteSecurity } from "../../../test/security.js";
import {
  keyIdFor,
  QUEUE_BOARD_TOKEN_AUDIENCE,
  QUEUE_BOARD_TOKEN_TYP,
  revokeAccessTokens,
  TOKEN_ISSUER,
} from "../../domain/auth/tokens.js";
import { queueFor } from "../../lib/queues.js";
import { HTML_CSP } from "../../middleware/security-headers.js";
import { QUEUE_BOARD_COOKIE } from "./guard.js";

const t = useTestApp();
const SESSION_PATH = "/api/v1/admin/queue-board/session";

/** Opens a board session as a fresh admin of `role`; returns the cookie header and token. */
async function boardSession(role: "owner" | "admin" | "viewer") {
  const { headers, admin } = await adminHeaders(t, role);
  const res = await t.app.request(SESSION_PATH, { method: "POST", headers });
  expect(res.status).toBe(204);
  const setCookie = res.headers.get("set-cookie") ?? "";
  const token = new RegExp(`^${QUEUE_BOARD_COOKIE}=([^;]+)`).exec(setCookie)?.[1];
  expect(token).toBeTruthy();
  return { admin, headers, setCookie, token: token!, cookie: `${QUEUE_BOARD_COOKIE}=${token}` };
}

const board = (path: string, cookie?: string, method = "GET") =>
  t.app.request(`/admin/queues${path}`, {
    method,
    headers: cookie ? { cookie } : {},
  });

describe("queue board session", () => {
  it("is an admin route: no credentials, API keys and forged tokens are refused", () =>
    expectAdminRouteSecurity(t, { method: "POST", path: SESSION_PATH, write: false }));

  it("sets a short-lived HttpOnly SameSite=Strict cookie scoped to the board", async () => {
    const { setCookie, token } = await boardSession("owner");
    expect(setCookie).toMatch(/;\s*Path=\/admin\/queues(;|$)/);
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Strict/i);
    expect(setCookie).toMatch(/;\s*Max-Age=900(;|$)/);
    expect(setCookie).not.toMatch(/Secure/i); // PUBLIC_URL is not https in tests
    // The board token is not an access token.
    const asBearer = await t.app.request("/api/v1/auth/me", {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(asBearer.status).toBe(401);
  });
});

describe("queue board", () => {
  it("answers 401 without the cookie, with an access token or a key instead, or a forged one", async () => {
    const { headers } = await adminHeaders(t, "owner");
    const accessToken = headers.authorization.slice("Bearer ".length);
    const account = await seedAccount(t);
    const stranger = randomBytes(32);
    const now = Math.floor(t.deps.now().getTime() / 1000);
    const forged = await new SignJWT({ role: "owner", email: "x@example.test", ver: 99 })
      .setProtectedHeader({ alg: "HS256", typ: QUEUE_BOARD_TOKEN_TYP, kid: keyIdFor(stranger) })
      .setSubject(newId("admin"))
      .setIssuer(TOKEN_ISSUER)
      .setAudience(QUEUE_BOARD_TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(stranger);

    for (const [what, res] of [
      ["no cookie", await board("")],
      ["no cookie, assets", await board("/api/queues")],
      ["bearer", await t.app.request("/admin/queues", { headers })],
      ["api key", await t.app.request("/admin/queues", { headers: account.headers })],
      ["access token as cookie", await board("", `${QUEUE_BOARD_COOKIE}=${accessToken}`)],
      ["forged cookie", await board("", `${QUEUE_BOARD_COOKIE}=${forged}`)],
      ["garbage cookie", await board("", `${QUEUE_BOARD_COOKIE}=not-a-token`)],
    ] as const) {
      expect(res.status, what).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code, what).toBe(
        "unauthorized",
      );
    }
  });

  it("serves the board, its assets and the queues (one send queue per session) with the cookie", async () => {
    const { cookie } = await boardSession("admin");
    const account = await seedAccount(t);
    const sessionId = newId("session");
    await t.deps.db.insert(whatsappSessions).values({
      id: sessionId,
      userId: account.userId,
      name: "board",
      mode: "test",
      driver: "simulator",
    });

    // The bare path redirects to the trailing slash its relative links need (the CSP's
    // base-uri 'none' refuses Bull Board's <base href>).
    const bare = await board("", cookie);
    expect(bare.status).toBe(302);
    expect(bare.headers.get("location")).toBe("/admin/queues/");
    const page = await board("/", cookie);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toBe(HTML_CSP);
    const html = await page.text();
    expect(html).toContain("<title>wagate queues</title>");
    expect(html).toContain('<base href="/admin/queues/"');
    const script = /src="(static\/js\/main[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    const asset = await board(`/${script}`, cookie);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);

    const list = await board("/api/queues", cookie);
    expect(list.status).toBe(200);
    const body = (await list.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    const names = body.queues.map((q) => q.name);
    expect(names).toEqual(
      expect.arrayContaining([QUEUES.webhooks, QUEUES.maintenance, sendQueueName(sessionId)]),
    );
    expect(body.queues.every((q) => !q.readOnlyMode)).toBe(true);
  });

  it("lets owners and admins act, viewers only look", async () => {
    const queue = queueFor(t.deps, QUEUES.webhooks);
    const viewer = await boardSession("viewer");
    const seen = await board("/api/queues", viewer.cookie);
    expect(seen.status).toBe(200);
    const body = (await seen.json()) as { queues: { readOnlyMode: boolean }[] };
    expect(body.queues.length).toBeGreaterThan(0);
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
    const refused = await board(`/api/queues/${QUEUES.webhooks}/pause`, viewer.cookie, "PUT");
    expect(refused.status).toBe(403);
    expect(await queue.isPaused()).toBe(false);

    const owner = await boardSession("owner");
    const paused = await board(`/api/queues/${QUEUES.webhooks}/pause`, owner.cookie, "PUT");
    expect(paused.status).toBeLessThan(300);
    expect(await queue.isPaused()).toBe(true);
    const resumed = await board(`/api/queues/${QUEUES.webhooks}/resume`, owner.cookie, "PUT");
    expect(resumed.status).toBeLessThan(300);
    expect(await queue.isPaused()).toBe(false);
  });

  it("stops letting an admin in once the admin's tokens are revoked or the cookie expires", async () => {
    const first = await boardSession("owner");
    expect((await board("/", first.cookie)).status).toBe(200);
    await revokeAccessTokens(t.deps, first.admin.id);
    expect((await board("/", first.cookie)).status).toBe(401);

    const second = await boardSession("owner");
    const saved = t.clock.now;
    try {
      t.clock.now = new Date(saved.getTime() + 901_000);
      expect((await board("/", second.cookie)).status).toBe(401);
    } finally {
      t.clock.now = saved;
    }
  });
});
