import { createRouter } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { registerCreateWebhook } from "./create.js";
import { registerDeleteWebhook } from "./delete.js";
import { registerListDeliveries } from "./deliveries.js";
import { registerGetWebhook } from "./get.js";
import { registerListWebhooks } from "./list.js";
import { registerRetryDelivery } from "./retry.js";
import { registerTestWebhook } from "./test.js";
import { registerUpdateWebhook } from "./update.js";

/** `/api/v1/webhooks/*`: API key with the `webhooks:manage` scope. */
export function webhooksRouter() {
  const router = createRouter();
  router.use("*", requireAccount("webhooks:manage"));
  registerListWebhooks(router);
  registerCreateWebhook(router);
  registerGetWebhook(router);
  registerUpdateWebhook(router);
  registerDeleteWebhook(router);
  registerListDeliveries(router);
  registerRetryDelivery(router);
  registerTestWebhook(router);
  return router;
}
