import type { ApiKeyScope } from "@wagate/contracts";
import type { App } from "../src/app.js";
import { createRouter } from "../src/lib/openapi.js";
import { enforceQuota } from "../src/lib/quota-headers.js";
import { requireAccount } from "../src/middleware/account-auth.js";

/**
 * Test-only routes behind the real account chain (never mounted by the app itself):
 * `POST /api/v1/_probe/send` = requireAccount(scope) + enforceQuota on a trivial handler,
 * `GET /api/v1/_probe/items/:id` = requireAccount() alone. Call before the first request.
 */
export function mountProbe(app: App, scope: ApiKeyScope = "messages:send"): void {
  const probe = createRouter();
  probe.post("/send", requireAccount(scope), async (c) => {
    const quota = await enforceQuota(c);
    return c.json({ account: c.get("account"), day: quota.day, remaining: quota.remaining }, 202);
  });
  probe.get("/items/:id", requireAccount(), (c) =>
    c.json({ id: c.req.param("id"), user_id: c.get("account").userId }),
  );
  app.route("/api/v1/_probe", probe);
}
