import { createRouter } from "../../lib/openapi.js";
import { requireAdmin } from "../../middleware/admin-auth.js";
import { registerUserActivation } from "./activation.js";
import { registerCreateUser } from "./create.js";
import { registerDeleteUser } from "./delete.js";
import { registerGetUser } from "./get.js";
import { registerListUsers } from "./list.js";
import { registerUpdateUser } from "./update.js";

/** `/api/v1/users/*` (accounts): every admin role reads; owners and admins write. */
export function usersRouter() {
  const router = createRouter();
  router.use("*", requireAdmin());
  registerListUsers(router);
  registerCreateUser(router);
  registerGetUser(router);
  registerUpdateUser(router);
  registerDeleteUser(router);
  registerUserActivation(router);
  return router;
}
