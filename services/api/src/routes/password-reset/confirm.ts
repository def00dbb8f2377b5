import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { confirmPasswordReset } from "../../domain/password-reset/index.js";
import type { AppEnv } from "../../lib/context.js";
import { pickErrors } from "../../lib/openapi.js";
import { callMeta, confirmBody, PUBLIC_SECURITY } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/confirm",
  tags: ["Admin auth"],
  summary: "Set the new password",
  description:
    "Sets the new password (at least 10 characters) with the token from /verify. The request becomes `used`; every refresh token of the admin is revoked and earlier access tokens stop working. An invalid, expired or already used token is 401 `unauthorized`.",
  security: PUBLIC_SECURITY,
  request: { body: { content: { "application/json": { schema: confirmBody } }, required: true } },
  responses: {
    204: { description: "Password changed" },
    ...pickErrors(401, 422, 429),
  },
});

export function registerConfirm(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    await confirmPasswordReset(c.get("deps"), {
      resetToken: body.reset_token,
      newPassword: body.new_password,
      meta: callMeta(c),
    });
    return c.body(null, 204);
  });
}
