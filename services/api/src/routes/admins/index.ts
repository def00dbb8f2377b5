import { createRouter } from "../../lib/openapi.js";
import { requireAdmin } from "../../middleware/admin-auth.js";
import { registerCreateAdmin } from "./create.js";
import { registerDeleteAdmin } from "./delete.js";
import { registerGetAdmin } from "./get.js";
import { registerListAdmins } from "./list.js";
import { registerUnlockAdmin } from "./unlock.js";
import { registerUpdateAdmin } from "./update.js";

/** `/api/v1/admins/*`: every role reads; owners and admins write. */
export function adminsRouter() {
  const router = createRouter();
  router.use("*", requireAdmin());
  registerListAdmins(router);
  registerCreateAdmin(router);
  registerGetAdmin(router);
  registerUpdateAdmin(router);
  registerDeleteAdmin(router);
  registerUnlockAdmin(router);
  return router;
}
