import { Counter, Histogram, type Registry } from "prom-client";

/** The API's own Prometheus series. Labels stay low-cardinality: route patterns, never paths. */
export interface ApiMetrics {
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route" | "status">;
  /** kind: `api_key` | `admin`; reason: `missing` | `malformed` | `unknown` | `revoked` | ... */
  authFailures: Counter<"kind" | "reason">;
  quotaRejections: Counter<"mode">;
  apiKeyCache: Counter<"result">;
  apiLogsDropped: Counter<string>;
  apiLogsWritten: Counter<string>;
}

const byRegistry = new WeakMap<Registry, ApiMetrics>();

/**
 * The API metrics registered on `registry`, created once per registry: tests build many
 * apps, each with a fresh registry, and a second registration on one registry would throw.
 */
export function getApiMetrics(registry: Registry): ApiMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: ApiMetrics = {
    httpRequests: new Counter({
      name: "wagate_http_requests_total",
      help: "HTTP requests answered, by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    httpDuration: new Histogram({
      name: "wagate_http_request_duration_seconds",
      help: "HTTP request duration, by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    authFailures: new Counter({
      name: "wagate_auth_failures_total",
      help: "Refused authentications, by credential kind and reason",
      labelNames: ["kind", "reason"],
      registers,
    }),
    quotaRejections: new Counter({
      name: "wagate_quota_rejections_total",
      help: "Sends refused because the daily quota was used up, by key mode",
      labelNames: ["mode"],
      registers,
    }),
    apiKeyCache: new Counter({
      name: "wagate_api_key_cache_total",
      help: "API key cache lookups, by result (hit, miss, negative_hit)",
      labelNames: ["result"],
      registers,
    }),
    apiLogsDropped: new Counter({
      name: "wagate_api_logs_dropped_total",
      help: "api_logs rows dropped because the buffer was full or Postgres refused them",
      registers,
    }),
    apiLogsWritten: new Counter({
      name: "wagate_api_logs_written_total",
      help: "api_logs rows written",
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
