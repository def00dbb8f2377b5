import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { openPairingLink } from "../../domain/pairing/links.js";
import { requestPairingCode } from "../../domain/sessions/pairing-code.js";
import type { AppEnv } from "../../lib/context.js";
import { pickErrors } from "../../lib/openapi.js";
import { pairingCodeBody, pairingCodeSchema, pairingTokenParams } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/{token}/pairing-code",
  tags: ["Pairing"],
  summary: "Ask for a pairing code instead of a QR",
  description:
    "Public (token in the path). While the session waits for a scan (`qr`), answers the 8-character code (`ABCD-EFGH`) to type on that phone: WhatsApp › Linked devices › Link with phone number. 409 `conflict` when the session is not waiting for a scan (`details.status`) or its driver cannot link by phone (`details.reason: pairing_code_unsupported`); 503 `service_unavailable` with `Retry-After` when the worker running the session does not answer within ~10 s.",
  security: [],
  request: {
    params: pairingTokenParams,
    body: { content: { "application/json": { schema: pairingCodeBody } }, required: true },
  },
  responses: {
    200: {
      description: "The code to type on the phone",
      content: { "application/json": { schema: pairingCodeSchema } },
    },
    ...pickErrors(404, 409, 422, 429, 503),
  },
});

export function registerPairingCode(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const { session } = await openPairingLink(deps, c.req.valid("param").token);
    const code = await requestPairingCode(deps, session, c.req.valid("json").phone);
    c.header("Cache-Control", "no-store");
    return c.json({ code }, 200);
  });
}
