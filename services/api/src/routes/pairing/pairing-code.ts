import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { openPairingLink } from "../../domain/pairing/links.js";
import type { AppEnv } from "../../lib/context.js";
import { conflict } from "../../lib/errors.js";
import { pickErrors } from "../../lib/openapi.js";
import { pairingCodeBody, pairingCodeSchema, pairingTokenParams } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/{token}/pairing-code",
  tags: ["Pairing"],
  summary: "Ask for a pairing code instead of a QR",
  description:
    "Public (token in the path). Would answer the 8-character code to type on the phone (WhatsApp › Linked devices › Link with phone number). No wagate driver can request pairing codes yet, so a valid request answers 409 `conflict` (`details.reason: pairing_code_unsupported`): scan the QR instead.",
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
    ...pickErrors(404, 409, 422, 429),
  },
});

export function registerPairingCode(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const { session } = await openPairingLink(c.get("deps"), c.req.valid("param").token);
    throw conflict(
      `pairing codes are not supported by the ${session.driver} driver yet; scan the QR code instead`,
      { reason: "pairing_code_unsupported", driver: session.driver },
    );
  });
}
