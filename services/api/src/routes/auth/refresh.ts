import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { refresh } from "../../domain/auth/login.js";
import type { AppEnv } from "../../lib/context.js";
import { pickErrors } from "../../lib/openapi.js";
import { clientIp, userAgent } from "../../lib/request.js";
import { refreshBody, tokenPairSchema, toTokenPair } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/refresh",
  tags: ["Admin auth"],
  summary: "Exchange a refresh token for a new pair",
  description:
    "Rotation: the presented refresh token stops working and a new one is returned. Presenting an already-rotated token revokes its whole family (every token descended from the same login) and answers 401.",
  security: [],
  request: { body: { content: { "application/json": { schema: refreshBody } }, required: true } },
  responses: {
    200: {
      description: "A new token pair",
      content: { "application/json": { schema: tokenPairSchema } },
    },
    ...pickErrors(400, 401, 422),
  },
});

export function registerRefresh(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const pair = await refresh(c.get("deps"), {
      refreshToken: body.refresh_token,
      ip: clientIp(c),
      userAgent: userAgent(c),
    });
    return c.json(toTokenPair(pair), 200);
  });
}
