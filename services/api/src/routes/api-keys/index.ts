import { createRouter } from "../../lib/openapi.js";
import { requireAdmin } from "../../middleware/admin-auth.js";
import { registerCreateApiKey } from "./create.js";
import { registerRevokeApiKey } from "./delete.js";
import { registerGetApiKey } from "./get.js";
import { registerListApiKeys } from "./list.js";

/** `/api/v1/api-keys/*`: every admin role reads; owners and admins create and revoke. */
export function apiKeysRouter() {
  const router = createRouter();
  router.use("*", requireAdmin());
  registerListApiKeys(router);
  registerCreateApiKey(router);
  registerGetApiKey(router);
  registerRevokeApiKey(router);
  return router;
}
