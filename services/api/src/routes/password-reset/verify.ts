import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { RESET_TOKEN_TTL_MS, verifyPasswordReset } from "../../domain/password-reset/index.js";
import type { AppEnv } from "../../lib/context.js";
import { pickErrors } from "../../lib/openapi.js";
import { callMeta, PUBLIC_SECURITY, verifiedSchema, verifyBody } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/verify",
  tags: ["Admin auth"],
  summary: "Check a code",
  description:
    "A right code answers a single-use `reset_token` valid 15 minutes and moves the request to `verified`. Every refusal is 400 `validation_failed` with `details.reason` (`invalid_otp`, `expired`, `blocked`, `not_pending`) and `details.attempts_remaining`; the 5th wrong code blocks the request.",
  security: PUBLIC_SECURITY,
  request: { body: { content: { "application/json": { schema: verifyBody } }, required: true } },
  responses: {
    200: {
      description: "Code accepted",
      content: { "application/json": { schema: verifiedSchema } },
    },
    ...pickErrors(400, 404, 422, 429),
  },
});

export function registerVerify(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { resetToken } = await verifyPasswordReset(c.get("deps"), {
      requestId: body.request_id,
      otp: body.otp,
      meta: callMeta(c),
    });
    return c.json({ reset_token: resetToken, expires_in: RESET_TOKEN_TTL_MS / 1000 }, 200);
  });
}
