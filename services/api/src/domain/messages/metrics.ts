import { Counter, type Registry } from "prom-client";

/** Series of the API's accept path (the worker counts what happens after: `wagate_messages_total`). */
export interface AcceptMetrics {
  /** mode: `live` | `test`; type: message type; scheduled: `true` | `false`. */
  accepted: Counter<"mode" | "type" | "scheduled">;
  idempotentReplays: Counter<"mode">;
  enqueueFailures: Counter<string>;
  cancelled: Counter<"mode">;
}

const byRegistry = new WeakMap<Registry, AcceptMetrics>();

/** Created once per registry (tests build many apps, each with its own registry). */
export function getAcceptMetrics(registry: Registry): AcceptMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: AcceptMetrics = {
    accepted: new Counter({
      name: "wagate_messages_accepted_total",
      help: "Outbound messages accepted by the API, by key mode, type and whether scheduled",
      labelNames: ["mode", "type", "scheduled"],
      registers,
    }),
    idempotentReplays: new Counter({
      name: "wagate_messages_idempotent_replays_total",
      help: "Send requests answered with an earlier message because of their Idempotency-Key",
      labelNames: ["mode"],
      registers,
    }),
    enqueueFailures: new Counter({
      name: "wagate_messages_enqueue_failures_total",
      help: "Accepted messages failed with enqueue_failed because the send queue was unreachable",
      registers,
    }),
    cancelled: new Counter({
      name: "wagate_messages_cancelled_total",
      help: "Messages cancelled through DELETE /messages/{id}, by key mode",
      labelNames: ["mode"],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
