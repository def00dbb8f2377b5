import { swaggerUI } from "@hono/swagger-ui";
import { createOpsRoutes, pingRedis } from "@wagate/core";
import { newId, pingDb } from "@wagate/db";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { mountConsole } from "./console/serve.js";
import type { AppDeps } from "./lib/context.js";
import { ApiError, isDependencyUnavailable } from "./lib/errors.js";
import { createRouter } from "./lib/openapi.js";
import { requestLog } from "./middleware/request-log.js";
import { mountRoutes } from "./routes/index.js";

export const API_VERSION = "1.0.0";

/** Builds the whole HTTP app over its dependencies; `main.ts` serves it, tests call `app.request()`. */
export function createApp(deps: AppDeps) {
  const app = createRouter();

  app.use("*", requestId({ generator: () => newId("request"), headerName: "X-Request-Id" }));
  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  // Before the body limit so that refused requests are logged and counted too.
  app.use("/api/*", requestLog());
  const limitBody = bodyLimit({
    maxSize: deps.env.MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(
        "payload_too_large",
        `request body exceeds ${deps.env.MAX_BODY_BYTES} bytes`,
      );
    },
  });
  app.use("/api/*", (c, next) => {
    // bodyLimit reads c.req.raw.body, which makes @hono/node-server build a full Request
    // for every request; one without a body (most reads) has nothing to limit.
    const length = c.req.header("content-length");
    const hasBody = c.req.header("transfer-encoding") !== undefined || (length ?? "0") !== "0";
    return hasBody ? limitBody(c, next) : next();
  });

  app.onError((error, c) => {
    const requestIdValue = c.get("requestId") ?? "unknown";
    let apiError: ApiError;
    if (error instanceof ApiError) {
      apiError = error;
    } else if (error instanceof HTTPException && error.status === 400) {
      apiError = new ApiError("validation_failed", error.message || "malformed request", {
        status: 400,
      });
    } else if (error instanceof HTTPException && error.status === 413) {
      apiError = new ApiError("payload_too_large", "request body too large");
    } else if (isDependencyUnavailable(error)) {
      deps.logger.warn({ err: error, requestId: requestIdValue }, "dependency unavailable");
      apiError = new ApiError("service_unavailable", "a dependency is unavailable; retry later", {
        headers: { "Retry-After": "5" },
      });
    } else {
      deps.logger.error({ err: error, requestId: requestIdValue }, "unhandled error");
      apiError = new ApiError("internal", "internal error");
    }
    if (apiError.status >= 500 && error instanceof ApiError) {
      deps.logger.error({ err: error, requestId: requestIdValue }, apiError.message);
    }
    for (const [name, value] of Object.entries(apiError.options.headers ?? {})) {
      c.header(name, value);
    }
    return c.json(
      {
        error: {
          code: apiError.code,
          message: apiError.message,
          request_id: requestIdValue,
          ...(apiError.options.details ? { details: apiError.options.details } : {}),
        },
      },
      apiError.status as 400,
    );
  });

  app.notFound(() => {
    throw new ApiError("not_found", "no such route");
  });

  app.route(
    "/",
    createOpsRoutes({
      checks: { postgres: () => pingDb(deps.sql), redis: () => pingRedis(deps.redis) },
      registry: deps.registry,
      metricsToken: deps.env.METRICS_TOKEN,
    }),
  );

  mountRoutes(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "AdminBearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "Admin access token from POST /api/v1/auth/login",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKey", {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description: "`ApiKey wag_live_…` or `ApiKey wag_test_…`",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "The raw API key",
  });
  app.doc31("/api/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "wagate API",
      version: API_VERSION,
      description: "Self-hosted WhatsApp messaging gateway",
    },
    servers: [{ url: deps.env.PUBLIC_URL ?? `http://localhost:${deps.env.PORT}` }],
  });
  app.get("/docs", swaggerUI({ url: "/api/v1/openapi.json" }));
  mountConsole(app);

  return app;
}

export type App = ReturnType<typeof createApp>;
