import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { openPairingLink } from "../../domain/pairing/links.js";
import { qrDataUrl, requireCurrentQr } from "../../domain/sessions/qr.js";
import type { AppEnv } from "../../lib/context.js";
import { pickErrors } from "../../lib/openapi.js";
import { pairingQrSchema, pairingTokenParams } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/{token}/qr",
  tags: ["Pairing"],
  summary: "The QR of a pairing link's session",
  description:
    "Public (token in the path). `{qr, data_url, expires_at}` while the session waits for a scan; 409 `conflict` otherwise (`details.status` says why, e.g. `starting` or `ready`). The QR changes every ~20 s: poll this or follow `/events`.",
  security: [],
  request: { params: pairingTokenParams },
  responses: {
    200: {
      description: "The current QR",
      content: { "application/json": { schema: pairingQrSchema } },
    },
    ...pickErrors(404, 409, 429),
  },
});

export function registerPairingQr(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const { session } = await openPairingLink(deps, c.req.valid("param").token);
    const current = await requireCurrentQr(deps, session);
    c.header("Cache-Control", "no-store");
    return c.json({ ...current, data_url: await qrDataUrl(current.qr) }, 200);
  });
}
