import { describe, expect, it } from "vitest";
import { useTestApp } from "../../../test/harness.js";

const t = useTestApp();

const TYPES: Record<string, RegExp> = {
  css: /^text\/css/,
  js: /^text\/javascript/,
  png: /^image\/png$/,
};

describe("/docs", () => {
  it("serves Swagger UI from the API itself: same-origin assets, no inline script", async () => {
    const res = await t.app.request("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();

    // Every <script> loads a file (a CSP of script-src 'self' refuses inline code).
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="/);
      expect(body?.trim()).toBe("");
    }
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/\son[a-z]+="/);

    const urls = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of urls) {
      // Same origin: an absolute path, never a scheme or a protocol-relative host.
      expect(url, url).toMatch(/^\/(?!\/)/);
      const asset = await t.app.request(url);
      expect(asset.status, url).toBe(200);
      const extension = url.split(".").pop()!;
      expect(asset.headers.get("content-type"), url).toMatch(TYPES[extension]!);
      expect((await asset.arrayBuffer()).byteLength, url).toBeGreaterThan(100);
    }
  });

  it("points the initializer at the served OpenAPI document", async () => {
    const html = await (await t.app.request("/docs")).text();
    const init = html.match(/src="([^"]*init[^"]*)"/)?.[1];
    expect(init).toBeDefined();
    const script = await (await t.app.request(init!)).text();
    expect(script).toContain('"/api/v1/openapi.json"');
    expect((await t.app.request("/api/v1/openapi.json")).status).toBe(200);
  });

  it("serves nothing else from the package", async () => {
    const html = await (await t.app.request("/docs")).text();
    const css = html.match(/href="([^"]+swagger-ui\.css)"/)![1]!;
    for (const path of [
      css.replace("swagger-ui.css", "package.json"),
      css.replace("swagger-ui.css", "..%2F..%2Fpackage.json"),
      css.replace(/assets\/[^/]+\//, "assets/0.0.0/"),
    ]) {
      const res = await t.app.request(path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
  });
});
