import { Counter, Histogram, type Registry } from "prom-client";

export interface WebhookMetrics {
  /** `result`: `succeeded`, `retrying` (failed attempt, another is scheduled) or `failed`. */
  deliveries: Counter<"result">;
  /** HTTP time of each attempt; `outcome`: `success` (2xx) or `failure`. */
  duration: Histogram<"outcome">;
}

/** The webhook metrics on `registry`, created once per registry (a second call reuses them). */
export function getWebhookMetrics(registry: Registry): WebhookMetrics {
  const deliveries =
    (registry.getSingleMetric("wagate_webhook_deliveries_total") as
      | Counter<"result">
      | undefined) ??
    new Counter({
      name: "wagate_webhook_deliveries_total",
      help: "Webhook delivery attempts by result (succeeded, retrying, failed).",
      labelNames: ["result"] as const,
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric("wagate_webhook_delivery_duration_seconds") as
      | Histogram<"outcome">
      | undefined) ??
    new Histogram({
      name: "wagate_webhook_delivery_duration_seconds",
      help: "Duration of one webhook HTTP attempt, by outcome (success, failure).",
      labelNames: ["outcome"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  // Every result present from the start, so rate() and alerts see a 0 rather than nothing.
  for (const result of ["succeeded", "retrying", "failed"]) deliveries.inc({ result }, 0);
  return { deliveries, duration };
}
