import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { auditActor } from "../../domain/audit.js";
import { createPairingLink, PAIRING_LINK_DEFAULT_TTL_SECONDS } from "../../domain/pairing/links.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAdmin, requireRole, WRITE_ROLES } from "../../middleware/admin-auth.js";
import { createPairingLinkBody, createPairingLinkParams, pairingLinkSchema } from "./schema.js";

const route = createRoute({
  method: "post",
  path: "/{id}/sessions/{name}/pairing-links",
  tags: ["Pairing"],
  summary: "Make a pairing link for an account's session",
  description:
    "Owners and admins. Starts the session as POST /sessions/init does (created if missing, within `max_sessions` → else 409; its mode is the account's newest usable key's mode, else `live`) and answers a single-use URL that shows that session's QR without any login. The link expires after `expires_in_seconds` (default 900) and stops working once the session is linked. Only the hash of its token is stored; the URL is in this answer only. 409 when the session is already `ready` or the account is deactivated.",
  security: ADMIN_SECURITY,
  middleware: [requireAdmin(), requireRole(...WRITE_ROLES)] as const,
  request: {
    params: createPairingLinkParams,
    body: { content: { "application/json": { schema: createPairingLinkBody } }, required: false },
  },
  responses: {
    201: {
      description: "The link",
      content: { "application/json": { schema: pairingLinkSchema } },
    },
    ...pickErrors(400, 401, 403, 404, 409, 422, 503),
  },
});

/** The origin pairing URLs start with: `PUBLIC_URL` when set, else this request's. */
const publicOrigin = (publicUrl: string | undefined, requestUrl: string) =>
  (publicUrl ?? new URL(requestUrl).origin).replace(/\/+$/, "");

export function registerCreatePairingLink(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const params = c.req.valid("param");
    const body = c.req.valid("json") as { expires_in_seconds?: number } | undefined;
    const { link, token } = await createPairingLink(deps, auditActor(c), {
      userId: params.id,
      sessionName: params.name,
      expiresInSeconds: body?.expires_in_seconds ?? PAIRING_LINK_DEFAULT_TTL_SECONDS,
    });
    c.header("Cache-Control", "no-store");
    return c.json(
      {
        id: link.id,
        url: `${publicOrigin(deps.env.PUBLIC_URL, c.req.url)}/console/pair/${token}`,
        expires_at: link.expiresAt.toISOString(),
      },
      201,
    );
  });
}
