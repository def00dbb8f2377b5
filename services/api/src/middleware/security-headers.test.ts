import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { useTestApp } from "../../test/harness.js";
import { createApp } from "../app.js";
import type { AppEnv } from "../lib/context.js";
import { HSTS, HTML_CSP, securityHeaders } from "./security-headers.js";

const t = useTestApp();

const TEAM_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; " +
  "form-action 'self'; object-src 'none'";

function expectBaseline(res: Response) {
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
}

describe("security headers", () => {
  it("uses the CSP the team agreed on", () => {
    expect(HTML_CSP).toBe(TEAM_CSP);
  });

  it("are on JSON answers, errors and 404s, without CSP or HSTS there (http PUBLIC_URL)", async () => {
    for (const [path, status] of [
      ["/healthz", 200],
      ["/api/v1/openapi.json", 200],
      ["/api/v1/admins", 401],
      ["/api/v1/no-such-route", 404],
    ] as const) {
      const res = await t.app.request(path);
      expect(res.status, path).toBe(status);
      expectBaseline(res);
      expect(res.headers.get("content-security-policy"), path).toBeNull();
      expect(res.headers.get("strict-transport-security"), path).toBeNull();
    }
    const metrics = await t.app.request("/metrics");
    expectBaseline(metrics);
  });

  it("put the CSP with frame-ancestors 'none' on HTML", async () => {
    const res = await t.app.request("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expectBaseline(res);
    expect(res.headers.get("content-security-policy")).toBe(TEAM_CSP);
  });

  it("add HSTS when PUBLIC_URL is https", async () => {
    const app = createApp({
      ...t.deps,
      env: { ...t.deps.env, PUBLIC_URL: "https://gateway.example.com" },
    });
    for (const path of ["/healthz", "/docs", "/api/v1/admins"]) {
      const res = await app.request(path);
      expectBaseline(res);
      expect(res.headers.get("strict-transport-security"), path).toBe(HSTS);
    }
  });

  it("keep a value a route set itself, and survive immutable headers", async () => {
    const app = new Hono<AppEnv>();
    app.use("*", securityHeaders("https://x.example"));
    app.get("/framable", (c) => {
      c.header("X-Frame-Options", "SAMEORIGIN");
      return c.html("<p>hi</p>");
    });
    app.get("/away", () => Response.redirect("https://elsewhere.example/", 302));
    const framable = await app.request("/framable");
    expect(framable.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(framable.headers.get("content-security-policy")).toBe(TEAM_CSP);
    const away = await app.request("/away");
    expect(away.status).toBe(302);
    expect(away.headers.get("location")).toBe("https://elsewhere.example/");
    expectBaseline(away);
    expect(away.headers.get("strict-transport-security")).toBe(HSTS);
  });
});
