import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context.js";

/**
 * Mounts every resource under /api/v1. One line per resource folder; each folder's
 * index.ts mounts its own operations.
 */
export function mountRoutes(_app: OpenAPIHono<AppEnv>): void {}
