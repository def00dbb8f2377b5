import { createMiddleware } from "hono/factory";
import { limitPairingRequest } from "../../domain/pairing/limits.js";
import type { AppEnv } from "../../lib/context.js";
import { createRouter } from "../../lib/openapi.js";
import { clientIp } from "../../lib/request.js";
import { registerCreatePairingLink } from "./create-link.js";
import { registerPairingEvents } from "./events.js";
import { registerGetPairing } from "./get.js";
import { registerPairingCode } from "./pairing-code.js";
import { registerPairingQr } from "./qr.js";

/** `POST /api/v1/users/{id}/sessions/{name}/pairing-links` (admin, owners and admins). */
export function pairingLinksRouter() {
  const router = createRouter();
  registerCreatePairingLink(router);
  return router;
}

/** `/api/v1/pairing/{token}/*`: public, the token is the credential; rate-limited per IP. */
export function pairingRouter() {
  const router = createRouter();
  router.use(
    "*",
    createMiddleware<AppEnv>(async (c, next) => {
      await limitPairingRequest(c.get("deps"), clientIp(c));
      c.header("Referrer-Policy", "no-referrer");
      await next();
    }),
  );
  registerGetPairing(router);
  registerPairingQr(router);
  registerPairingEvents(router);
  registerPairingCode(router);
  return router;
}
