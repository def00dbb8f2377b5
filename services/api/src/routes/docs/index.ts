import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context.js";
import { ApiError } from "../../lib/errors.js";

/**
 * The API reference at /docs: Swagger UI from the pinned `swagger-ui-dist` package, served by
 * the API itself, so it works without internet (air-gapped deployments) and under a CSP of
 * `script-src 'self'` (no CDN, no inline script: the initializer is a served file).
 */
const DIST_DIR = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const { version: SWAGGER_UI_VERSION } = createRequire(import.meta.url)(
  "swagger-ui-dist/package.json",
) as { version: string };

/** The only files served from the package, with their content types. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

const INITIALIZER = `// wagate: starts Swagger UI on the served OpenAPI document.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
});
`;

// The version in every asset URL: a new package version is a new URL, so assets can be
// cached for good.
const base = `/docs/assets/${SWAGGER_UI_VERSION}`;
const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>wagate API reference</title>
    <link rel="stylesheet" href="${base}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${base}/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${base}/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${base}/swagger-ui-bundle.js"></script>
    <script src="${base}/swagger-ui-standalone-preset.js"></script>
    <script src="${base}/wagate-init.js"></script>
  </body>
</html>
`;

const cache = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
function asset(name: string): Promise<Uint8Array<ArrayBuffer>> {
  let file = cache.get(name);
  if (!file) {
    file = readFile(join(DIST_DIR, name)).then((buffer) => Uint8Array.from(buffer));
    file.catch(() => cache.delete(name));
    cache.set(name, file);
  }
  return file;
}

/** Mounts /docs and its assets. */
export function mountDocs(app: OpenAPIHono<AppEnv>): void {
  app.get("/docs", (c) => c.html(PAGE));
  app.get("/docs/assets/:version/:name", async (c) => {
    const { version, name } = c.req.param();
    if (version !== SWAGGER_UI_VERSION) throw new ApiError("not_found", "no such asset");
    const immutable = { "Cache-Control": "public, max-age=31536000, immutable" };
    if (name === "wagate-init.js") {
      return c.body(INITIALIZER, 200, {
        "Content-Type": "text/javascript; charset=utf-8",
        ...immutable,
      });
    }
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) throw new ApiError("not_found", "no such asset");
    return c.body(await asset(name), 200, { "Content-Type": type, ...immutable });
  });
}
