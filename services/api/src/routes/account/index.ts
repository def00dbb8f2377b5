import { createRouter } from "../../lib/openapi.js";
import { registerCallPolicy } from "./calls.js";
import { registerConsentSettings } from "./consent.js";
import { registerGetAccount } from "./get.js";

/** `/api/v1/account`: the calling account (API key). */
export function accountRouter() {
  const router = createRouter();
  registerGetAccount(router);
  registerCallPolicy(router);
  registerConsentSettings(router);
  return router;
}
