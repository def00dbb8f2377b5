import { randomBytes } from "node:crypto";
import { type AppDeps, createApp, parseApiEnv } from "@wagate/api";
import { createLogger, createMetricsRegistry } from "@wagate/core";

/**
 * The API's OpenAPI document, from `createApp` over inert dependencies: building the app
 * registers every route without touching Postgres or Redis, and only the document route is
 * requested.
 */
export async function openApiDocument(): Promise<{ paths?: Record<string, unknown> }> {
  const env = parseApiEnv({
    NODE_ENV: "development",
    DATABASE_URL: "postgres://unused@127.0.0.1:1/unused",
    REDIS_URL: "redis://127.0.0.1:1",
    LOG_LEVEL: "silent",
    PUBLIC_URL: "http://localhost:3000",
  });
  const unused = new Proxy(
    {},
    {
      get(_target, name) {
        throw new Error(
          `openapi-doc: dependency used while building the document (${String(name)})`,
        );
      },
    },
  );
  const deps = {
    env,
    db: unused,
    sql: unused,
    redis: unused,
    redisPrefix: "unused",
    logger: createLogger("console-gen", "silent"),
    registry: createMetricsRegistry("console-gen"),
    now: () => new Date(),
    jwtSecret: randomBytes(32),
    apiKeySecret: randomBytes(32),
  } as unknown as AppDeps;
  const res = await createApp(deps).request("/api/v1/openapi.json");
  if (res.status !== 200) throw new Error(`openapi-doc: the API answered ${res.status}`);
  return (await res.json()) as { paths?: Record<string, unknown> };
}
