import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { requestPasswordReset } from "../../domain/password-reset/index.js";
import type { AppEnv } from "../../lib/context.js";
import { pickErrors } from "../../lib/openapi.js";
import { callMeta, PUBLIC_SECURITY, resetAcceptedSchema, resetRequestBody } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/request",
  tags: ["Admin auth"],
  summary: "Start a password reset",
  description:
    "Answers 202 with a `request_id` whether or not the email and phone match an admin, in the same time. When they match an active admin, a 6-digit code valid 10 minutes is sent over WhatsApp to the phone on file. Rate-limited per IP and per email (429 `rate_limited`).",
  security: PUBLIC_SECURITY,
  request: {
    body: { content: { "application/json": { schema: resetRequestBody } }, required: true },
  },
  responses: {
    202: {
      description: "Request recorded",
      content: { "application/json": { schema: resetAcceptedSchema } },
    },
    ...pickErrors(400, 422, 429),
  },
});

export function registerRequest(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { requestId } = await requestPasswordReset(c.get("deps"), {
      email: body.email,
      phone: body.phone,
      meta: callMeta(c),
    });
    return c.json({ request_id: requestId }, 202);
  });
}
