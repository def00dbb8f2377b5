import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../lib/context.js";

/** Where `npm run build -w @wagate/console` writes the console (services/console/dist). */
export const CONSOLE_DIST = fileURLToPath(new URL("../../../console/dist/", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Vite names every file under assets/ by its content hash: it never changes, so cache it for good. */
const IMMUTABLE = "public, max-age=31536000, immutable";

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wagate console not built</title></head>
<body><h1>The console is not built</h1>
<p>This API serves the web console from <code>services/console/dist</code>, which is missing.
Build it with <code>npm run build -w @wagate/console</code> (<code>npm start</code> does it for you),
then reload this page.</p></body></html>`;

async function readIfFile(path: string): Promise<Buffer | null> {
  try {
    if (!(await stat(path)).isFile()) return null;
    return await readFile(path);
  } catch {
    return null;
  }
}

/**
 * Serves the built console at /console: hashed assets with a year-long immutable cache, any
 * other path below /console answered with index.html (the app routes deep links itself),
 * never cached so a new build shows at once. Without a build, a 503 page says how to make one.
 */
export function mountConsole(app: OpenAPIHono<AppEnv>, options: { dir?: string } = {}) {
  const root = resolve(options.dir ?? CONSOLE_DIST);
  const serve = async (c: Context<AppEnv>) => {
    const relative = decodeURIComponent(c.req.path.replace(/^\/console\/?/, ""));
    const target = normalize(join(root, relative));
    const inside = target === root || target.startsWith(root + sep);
    if (relative && inside) {
      const file = await readIfFile(target);
      if (file) {
        const type = CONTENT_TYPES[extname(target)] ?? "application/octet-stream";
        const cache = relative.startsWith("assets/") ? IMMUTABLE : "no-cache";
        return c.body(new Uint8Array(file), 200, { "Content-Type": type, "Cache-Control": cache });
      }
      // A missing hashed asset is a stale page asking for an old build: a 404, not the app.
      if (relative.startsWith("assets/"))
        return c.text("not found", 404, { "Cache-Control": "no-store" });
    }
    const index = await readIfFile(join(root, "index.html"));
    if (!index) return c.html(NOT_BUILT, 503, { "Cache-Control": "no-store", "Retry-After": "30" });
    return c.body(new Uint8Array(index), 200, {
      "Content-Type": CONTENT_TYPES[".html"] as string,
      "Cache-Control": "no-cache",
    });
  };
  app.get("/console", serve);
  app.get("/console/*", serve);
}
