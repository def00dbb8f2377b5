import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { requireSession } from "../../domain/sessions/find.js";
import { qrDataUrl, qrPng, requireCurrentQr } from "../../domain/sessions/qr.js";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { qrJsonSchema, requestedSession, sessionQuery } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/qr",
  tags: ["Sessions"],
  summary: "The QR to scan with WhatsApp",
  description:
    "Any valid key. A PNG of the current pairing QR by default; with `Accept: application/json`, `{qr, data_url, expires_at}`. 409 `conflict` when the session is not waiting for a scan (status other than `qr`). The QR changes every ~20 s: poll this or follow GET /sessions/events.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount()] as const,
  request: { query: sessionQuery },
  responses: {
    200: {
      description: "The current QR",
      content: {
        "image/png": { schema: z.string().openapi({ format: "binary" }) },
        "application/json": { schema: qrJsonSchema },
      },
    },
    ...pickErrors(400, 401, 404, 409, 429),
  },
});

export function registerSessionQr(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const name = requestedSession(c.req.valid("query"));
    const session = await requireSession(deps.db, c.get("account"), name);
    const current = await requireCurrentQr(deps, session);
    c.header("Cache-Control", "no-store");
    const accept = c.req.header("accept") ?? "";
    if (accept.includes("application/json") && !accept.includes("image/png")) {
      return c.json({ ...current, data_url: await qrDataUrl(current.qr) }, 200);
    }
    const png = await qrPng(current.qr);
    return c.body(new Uint8Array(png), 200, { "Content-Type": "image/png" });
  });
}
