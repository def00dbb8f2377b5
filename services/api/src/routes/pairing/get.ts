import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { openPairingLink } from "../../domain/pairing/links.js";
import type { AppEnv } from "../../lib/context.js";
import { pickErrors } from "../../lib/openapi.js";
import { pairingStateSchema, pairingTokenParams, toPairingState } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/{token}",
  tags: ["Pairing"],
  summary: "What a pairing link shows",
  description:
    "Public: the token in the path is the credential (rate-limited per IP). The session's name, status and phone only. The first answer that finds the session `ready` has `used: true`; every later call is 404 `not_found`, as for an unknown or expired link.",
  security: [],
  request: { params: pairingTokenParams },
  responses: {
    200: {
      description: "The link's session",
      content: { "application/json": { schema: pairingStateSchema } },
    },
    ...pickErrors(404, 429),
  },
});

export function registerGetPairing(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const opened = await openPairingLink(c.get("deps"), c.req.valid("param").token);
    return c.json(toPairingState(opened), 200);
  });
}
