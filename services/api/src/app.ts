import { createOpsRoutes, pingRedis } from "@wagate/core";
import { newId, pingDb } from "@wagate/db";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { mountConsole } from "./console/serve.js";
import { type BaseDeps, withApiState } from "./deps.js";
import type { AppDeps } from "./lib/context.js";
import { errorHandler } from "./lib/error-handler.js";
import { ApiError } from "./lib/errors.js";
import { createRouter } from "./lib/openapi.js";
import { requestDeadline } from "./middleware/deadline.js";
import { requestLog } from "./middleware/request-log.js";
import { securityHeaders } from "./middleware/security-headers.js";
import { mountDocs } from "./routes/docs/index.js";
import { mountRoutes } from "./routes/index.js";

export const API_VERSION = "1.0.0";

/** Builds the whole HTTP app over its dependencies; `main.ts` serves it, tests call `app.request()`. */
export function createApp(given: AppDeps | BaseDeps) {
  // A copy of another replica's deps (other env, queues, database) gets state of its own.
  const deps: AppDeps = given.state?.builtFor === given ? (given as AppDeps) : withApiState(given);
  const app = createRouter();

  app.use("*", securityHeaders(deps.env.PUBLIC_URL));
  app.use("*", requestId({ generator: () => newId("request"), headerName: "X-Request-Id" }));
  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  // Before the body limit so that refused requests are logged and counted too.
  app.use("/api/*", requestLog());
  app.use("*", requestDeadline(deps));
  const tooLarge = (): never => {
    throw new ApiError(
      "payload_too_large",
      `request body exceeds ${deps.env.MAX_BODY_BYTES} bytes`,
    );
  };
  const limitBody = bodyLimit({ maxSize: deps.env.MAX_BODY_BYTES, onError: tooLarge });
  app.use("/api/*", (c, next) => {
    // bodyLimit reads c.req.raw.body, which makes @hono/node-server build a full Request
    // (an undici Request, its AbortSignal and a web stream: a tenth of a send's CPU). A body
    // with a Content-Length cannot outgrow it (Node's parser reads exactly that many bytes),
    // so the header is checked here and the body is read later straight from the socket;
    // only a chunked body goes through bodyLimit, which counts it as it streams.
    if (c.req.header("transfer-encoding") !== undefined) return limitBody(c, next);
    const length = Number(c.req.header("content-length") ?? "0");
    if (length > deps.env.MAX_BODY_BYTES) return tooLarge();
    return next();
  });

  app.onError(errorHandler(deps));

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
  mountDocs(app);
  mountConsole(app);

  return app;
}

export type App = ReturnType<typeof createApp>;
