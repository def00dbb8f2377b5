import { createRouter } from "../../lib/openapi.js";
import { registerConfirm } from "./confirm.js";
import { registerRequest } from "./request.js";
import { registerResend } from "./resend.js";
import { registerVerify } from "./verify.js";

/** `/api/v1/auth/password-reset/*`: public (no credentials), rate-limited, audited. */
export function passwordResetRouter() {
  const router = createRouter();
  registerRequest(router);
  registerResend(router);
  registerVerify(router);
  registerConfirm(router);
  return router;
}
