import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { login } from "../../domain/auth/login.js";
import type { AppEnv } from "../../lib/context.js";
import { pickErrors } from "../../lib/openapi.js";
import { clientIp, userAgent } from "../../lib/request.js";
import { loginBody, tokenPairSchema, toTokenPair } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/login",
  tags: ["Admin auth"],
  summary: "Log in with email and password",
  description:
    "Returns a short-lived access token and a single-use refresh token. After `LOGIN_MAX_FAILURES` (5) consecutive wrong passwords the admin is locked for `LOGIN_LOCK_MINUTES` (15): 423 `account_locked`, even with the right password. Attempts are rate-limited per IP and per email (429 `rate_limited` with `Retry-After`).",
  security: [],
  request: { body: { content: { "application/json": { schema: loginBody } }, required: true } },
  responses: {
    200: { description: "Logged in", content: { "application/json": { schema: tokenPairSchema } } },
    ...pickErrors(400, 401, 422, 423, 429),
  },
});

export function registerLogin(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const pair = await login(c.get("deps"), {
      email: body.email,
      password: body.password,
      ip: clientIp(c),
      userAgent: userAgent(c),
    });
    return c.json(toTokenPair(pair), 200);
  });
}
