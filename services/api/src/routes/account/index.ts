import { createRouter } from "../../lib/openapi.js";
import { registerGetAccount } from "./get.js";

/** `/api/v1/account`: the calling account (API key). */
export function accountRouter() {
  const router = createRouter();
  registerGetAccount(router);
  return router;
}
