import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { requireSession } from "../../domain/sessions/find.js";
import { requestPairingCode } from "../../domain/sessions/pairing-code.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { pairingCodeSchema } from "../pairing/schema.js";
import { requestedSession, sessionPairingCodeBody, sessionQuery } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/pairing-code",
  tags: ["Sessions"],
  summary: "Ask for a pairing code instead of scanning the QR",
  description:
    "Scope `sessions:manage`. While the session waits for a scan (`qr`), answers the 8-character code (`ABCD-EFGH`) to type on the phone `phone` (WhatsApp › Linked devices › Link with phone number); the session then becomes `ready` as after a scan. 409 `conflict` when it is not waiting for a scan (`details.status`) or its driver cannot link by phone (`details.reason: pairing_code_unsupported`); 503 `service_unavailable` with `Retry-After` when the worker running it does not answer within ~10 s. The name comes from the body `session`, else `?session=`, else `default`.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("sessions:manage")] as const,
  request: {
    query: sessionQuery,
    body: {
      content: { "application/json": { schema: sessionPairingCodeBody } },
      required: true,
    },
  },
  responses: {
    200: {
      description: "The code to type on the phone",
      content: { "application/json": { schema: pairingCodeSchema } },
    },
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

export function registerSessionPairingCode(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const body = c.req.valid("json");
    const session = await requireSession(
      deps.db,
      c.get("account"),
      requestedSession(c.req.valid("query"), body),
    );
    const code = await requestPairingCode(deps, session, body.phone);
    c.header("Cache-Control", "no-store");
    return c.json({ code }, 200);
  });
}
