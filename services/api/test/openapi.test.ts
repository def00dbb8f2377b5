import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { type App, createApp } from "../src/app.js";
import { useTestApp } from "./harness.js";

const t = useTestApp();

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components?: { securitySchemes?: Record<string, unknown> };
}

const HTTP_METHODS = new Set(["get", "post", "put", "patch", "delete", "head", "options"]);
/** Served by the app but not an API operation: the document itself. */
const UNDOCUMENTED = new Set(["GET /api/v1/openapi.json"]);
/** Operations that take no credentials at all (everything else must declare `security`). */
const PUBLIC = /^(POST \/api\/v1\/auth\/(login|refresh|logout|password-reset\/.+))$/;

/** `/users/:id{[a-z]+}` → `/users/{id}`. */
const toOpenApiPath = (path: string) =>
  path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, "{$1}").replace(/(.)\/$/, "$1");

async function fetchDoc(app: App): Promise<OpenApiDoc> {
  const res = await app.request("/api/v1/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as OpenApiDoc;
}

function operations(doc: OpenApiDoc) {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => ({
        key: `${method.toUpperCase()} ${path}`,
        operation: operation as { security?: unknown[] },
      })),
  );
}

/** Routes the app serves under /api/v1 that the document does not describe. */
function undocumentedRoutes(app: App, doc: OpenApiDoc): string[] {
  const documented = new Set(operations(doc).map((op) => op.key));
  const served = new Set(
    app.routes
      .filter((route) => route.method !== "ALL" && route.path.startsWith("/api/v1/"))
      .map((route) => `${route.method} ${toOpenApiPath(route.path)}`),
  );
  return [...served].filter((route) => !UNDOCUMENTED.has(route) && !documented.has(route));
}

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await fetchDoc(t.app);
    expect(doc.openapi).toBe("3.1.0");
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it("declares the admin bearer and API key security schemes", async () => {
    const schemes = (await fetchDoc(t.app)).components?.securitySchemes ?? {};
    expect(schemes.AdminBearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(schemes.ApiKey).toMatchObject({ type: "apiKey", in: "header", name: "Authorization" });
    expect(schemes.ApiKeyHeader).toMatchObject({ type: "apiKey", in: "header", name: "X-API-Key" });
  });

  it("documents every route the app serves under /api/v1", async () => {
    expect(undocumentedRoutes(t.app, await fetchDoc(t.app))).toEqual([]);
  });

  it("declares security on every operation except the public auth ones", async () => {
    const missing = operations(await fetchDoc(t.app))
      .filter((op) => !Array.isArray(op.operation.security) && !PUBLIC.test(op.key))
      .map((op) => op.key);
    expect(missing).toEqual([]);
  });

  it("would catch a route served without a schema", async () => {
    const app = createApp(t.deps);
    app.get("/api/v1/_undocumented/:id", (c) => c.json({ id: c.req.param("id") }));
    expect(undocumentedRoutes(app, await fetchDoc(app))).toEqual([
      "GET /api/v1/_undocumented/{id}",
    ]);
  });
});
