import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { revokeRefreshToken } from "../../domain/auth/refresh.js";
import type { AppEnv } from "../../lib/context.js";
import { pickErrors } from "../../lib/openapi.js";
import { refreshBody } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/logout",
  tags: ["Admin auth"],
  summary: "Log out",
  description:
    "Revokes the refresh token (and its family). Always 204, also for an unknown or already revoked token. The access token expires on its own within its short lifetime.",
  security: [],
  request: { body: { content: { "application/json": { schema: refreshBody } }, required: true } },
  responses: {
    204: { description: "Logged out" },
    ...pickErrors(400, 422),
  },
});

export function registerLogout(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    await revokeRefreshToken(c.get("deps"), c.req.valid("json").refresh_token);
    return c.body(null, 204);
  });
}
