import { collectDefaultMetrics, Registry } from "prom-client";

/** A fresh registry with the default process metrics, prefixed `wagate_`, labelled by service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: "wagate_" });
  return registry;
}
