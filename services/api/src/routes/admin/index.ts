import { createRouter } from "../../lib/openapi.js";
import { requireAdmin } from "../../middleware/admin-auth.js";
import { registerAdminEvents } from "./events.js";
import { registerAdminMessages } from "./messages.js";
import { registerAdminQueues } from "./queues.js";
import { registerAdminSessions } from "./sessions.js";

/** `/api/v1/admin/*`: cross-account views for the console; every admin role reads. */
export function adminViewsRouter() {
  const router = createRouter();
  router.use("*", requireAdmin());
  registerAdminSessions(router);
  registerAdminMessages(router);
  registerAdminQueues(router);
  registerAdminEvents(router);
  return router;
}
