import { collectDefaultMetrics, Registry } from "prom-client";

const PREFIX = "wagate_";

/**
 * Default gauges prom-client names with a counter's `_total` suffix, which `promtool check
 * metrics` rejects. Each has a twin without the suffix, labelled by `type`, whose sum is the
 * same figure (`sum(wagate_nodejs_active_handles)`), so these are dropped rather than renamed
 * (renaming would collide with the twin).
 */
const GAUGES_NAMED_LIKE_COUNTERS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/** A fresh registry with the default process metrics, prefixed `wagate_`, labelled by service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  for (const name of GAUGES_NAMED_LIKE_COUNTERS) registry.removeSingleMetric(`${PREFIX}${name}`);
  return registry;
}
