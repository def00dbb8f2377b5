export { WEBHOOK_USER_AGENT } from "./deliver.js";
export {
  DEFAULT_WEBHOOK_DELIVERY_OPTIONS,
  startWebhookDeliveryWorker,
  type WebhookDeliveryDeps,
  type WebhookDeliveryOptions,
  type WebhookDeliveryWorker,
} from "./delivery-worker.js";
export { getWebhookMetrics, type WebhookMetrics } from "./metrics.js";
