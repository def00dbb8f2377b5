import { createRouter } from "../../lib/openapi.js";
import { requireAdmin } from "../../middleware/admin-auth.js";
import { registerCreatePhonePrefix } from "./create.js";
import { registerDeletePhonePrefix } from "./delete.js";
import { registerListPhonePrefixes } from "./list.js";

/** `/api/v1/phone-prefixes`: admin bearer; owner/admin write, viewer reads. */
export function phonePrefixesRouter() {
  const router = createRouter();
  router.use("*", requireAdmin());
  registerListPhonePrefixes(router);
  registerCreatePhonePrefix(router);
  registerDeletePhonePrefix(router);
  return router;
}
