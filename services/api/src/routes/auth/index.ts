import { createRouter } from "../../lib/openapi.js";
import { registerChangePassword } from "./change-password.js";
import { registerLogin } from "./login.js";
import { registerLogout } from "./logout.js";
import { registerMe } from "./me.js";
import { registerRefresh } from "./refresh.js";

/**
 * `/api/v1/auth/*`: login, refresh and logout take no bearer token (their body is the
 * credential); `me` and `change-password` require an access token.
 */
export function authRouter() {
  const router = createRouter();
  registerLogin(router);
  registerRefresh(router);
  registerLogout(router);
  registerMe(router);
  registerChangePassword(router);
  return router;
}
