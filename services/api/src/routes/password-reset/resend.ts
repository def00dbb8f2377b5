import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { resendPasswordReset } from "../../domain/password-reset/index.js";
import type { AppEnv } from "../../lib/context.js";
import { pickErrors } from "../../lib/openapi.js";
import { callMeta, PUBLIC_SECURITY, resendBody, resetAcceptedSchema } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/resend",
  tags: ["Admin auth"],
  summary: "Send a new code",
  description:
    "Sends a fresh code for a pending request (the previous code stops working and the 10-minute expiry restarts). 429 `rate_limited` within 60 s of the last send (with `Retry-After`) and after 3 resends; 409 `conflict` when the request is no longer pending. Wrong-code attempts are not reset.",
  security: PUBLIC_SECURITY,
  request: { body: { content: { "application/json": { schema: resendBody } }, required: true } },
  responses: {
    202: {
      description: "Code resent",
      content: { "application/json": { schema: resetAcceptedSchema } },
    },
    ...pickErrors(404, 409, 422, 429),
  },
});

export function registerResend(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    await resendPasswordReset(c.get("deps"), { requestId: body.request_id, meta: callMeta(c) });
    return c.json({ request_id: body.request_id }, 202);
  });
}
