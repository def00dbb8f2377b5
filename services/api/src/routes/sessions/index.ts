import { createRouter } from "../../lib/openapi.js";
import { registerDisconnectSession } from "./disconnect.js";
import { registerSessionEvents } from "./events.js";
import { registerInitSession } from "./init.js";
import { registerListSessions } from "./list.js";
import { registerSessionPairingCode } from "./pairing-code.js";
import { registerSessionQr } from "./qr.js";
import { registerSessionStatus } from "./status.js";

/**
 * `/api/v1/sessions/*`: API key; `sessions:manage` to init/disconnect, any valid key to
 * read. Each route authenticates itself (its scope differs), so there is no router-wide guard.
 */
export function sessionsRouter() {
  const router = createRouter();
  registerListSessions(router);
  registerInitSession(router);
  registerSessionStatus(router);
  registerSessionQr(router);
  registerSessionEvents(router);
  registerDisconnectSession(router);
  registerSessionPairingCode(router);
  return router;
}
