import { createRouter } from "../../lib/openapi.js";
import { requireAdmin } from "../../middleware/admin-auth.js";
import { registerApiLogs } from "./api-logs.js";
import { registerAuditLogs } from "./audit-logs.js";
import { registerLoginHistory } from "./login-history.js";
import { registerSummary } from "./summary.js";
import { registerUsageStats } from "./usage-stats.js";

/** `/api/v1/analytics/*`: read-only, so every admin role (viewer included) may call it. */
export function analyticsRouter() {
  const router = createRouter();
  router.use("*", requireAdmin());
  registerUsageStats(router);
  registerApiLogs(router);
  registerSummary(router);
  registerLoginHistory(router);
  registerAuditLogs(router);
  return router;
}
