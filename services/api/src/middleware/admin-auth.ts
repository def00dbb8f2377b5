import type { AdminRole } from "@wagate/contracts";
import { createMiddleware } from "hono/factory";
import { verifyAccessToken } from "../domain/auth/tokens.js";
import type { AppEnv } from "../lib/context.js";
import { forbidden, unauthorized } from "../lib/errors.js";

/**
 * Admin routes: `Authorization: Bearer <access token>` only. An API key (`ApiKey ...` or
 * `X-API-Key`) never reaches an admin route, and neither does any JWT that is not an access
 * token (see `verifyAccessToken`). Sets `c.var.admin`.
 */
export const requireAdmin = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.header("x-api-key") !== undefined) {
      throw unauthorized("API keys are not accepted on admin routes");
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized("missing admin bearer token");
    const admin = await verifyAccessToken(c.get("deps"), match[1]!);
    if (!admin) throw unauthorized("invalid or expired access token");
    c.set("admin", admin);
    await next();
  });

/** After `requireAdmin()`: 403 `forbidden` unless the admin has one of `roles`. */
export const requireRole = (...roles: AdminRole[]) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const admin = c.get("admin");
    if (!admin) throw unauthorized();
    if (!roles.includes(admin.role)) throw forbidden();
    await next();
  });

/** Roles allowed to write admin resources (`viewer` is read-only everywhere). */
export const WRITE_ROLES: AdminRole[] = ["owner", "admin"];
