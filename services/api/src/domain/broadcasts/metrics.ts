import { Counter, type Registry } from "prom-client";

const byRegistry = new WeakMap<Registry, { recipients: Counter<"result"> }>();

/** `wagate_broadcast_recipients_total{result=accepted|refused}` on the API registry. */
export function broadcastMetrics(registry: Registry) {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = {
      recipients: new Counter({
        name: "wagate_broadcast_recipients_total",
        help: "Broadcast rows accepted (one message each) or refused at accept time",
        labelNames: ["result"] as const,
        registers: [registry],
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
