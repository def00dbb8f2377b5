import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRouter } from "../lib/openapi.js";
import { mountConsole } from "./serve.js";

const built = mkdtempSync(join(tmpdir(), "console-dist-"));
mkdirSync(join(built, "assets"));
writeFileSync(join(built, "index.html"), "<!doctype html><title>console</title>");
writeFileSync(join(built, "assets", "index-abc123.js"), "console.log(1)");
writeFileSync(join(tmpdir(), "outside-console.txt"), "secret");
afterAll(() => rmSync(built, { recursive: true, force: true }));

const appOver = (dir: string) => {
  const app = createRouter();
  mountConsole(app, { dir });
  return app;
};

describe("the console at /console", () => {
  const app = appOver(built);

  it("serves hashed assets with an immutable year-long cache", async () => {
    const res = await app.request("/console/assets/index-abc123.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await res.text()).toBe("console.log(1)");
  });

  it("answers deep links with index.html, never cached", async () => {
    for (const path of ["/console", "/console/", "/console/accounts/usr_1", "/console/pair/abc"]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(await res.text()).toContain("<title>console</title>");
    }
  });

  it("answers a missing hashed asset 404 rather than the app", async () => {
    const res = await app.request("/console/assets/index-old999.js");
    expect(res.status).toBe(404);
  });

  it("never serves a file outside the build", async () => {
    const res = await app.request("/console/..%2Foutside-console.txt");
    expect(await res.text()).not.toContain("secret");
  });

  it("answers 503 with how to build it when the build is missing", async () => {
    const res = await appOver(join(built, "missing")).request("/console/overview");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("npm run build -w @wagate/console");
  });
});
