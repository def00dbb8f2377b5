import {
  type BroadcastCounts,
  broadcastCountsSchema,
  SESSION_STATUSES,
  type SessionStatus,
} from "@wagate/contracts";
import { optOutCounter } from "@wagate/core";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface QueueSample {
  waiting: number;
  delayed: number;
  active: number;
  /** Age of the oldest waiting job in seconds (0 when none). */
  oldestAgeSeconds: number;
}

export interface MetricsSources {
  sessionStatuses: () => SessionStatus[];
  sessionsOwned: () => number;
  /** Sampled on scrape: one entry per owned session's send queue. */
  sendQueues: () => Promise<QueueSample[]>;
  /** Sampled on scrape: resident memory of each owned session's browser (webjs only). */
  browserMemory: () => Promise<Array<{ sessionId: string; bytes: number }>>;
}

export interface WorkerMetrics {
  messages: Counter<"status" | "error_code">;
  sendLatency: Histogram;
  ackLatency: Histogram<"status">;
  inbound: Counter;
  /** Driver events (acks, inbound messages) parked, replayed and dropped (see EventInbox). */
  eventsParked: Counter<"event">;
  eventsReplayed: Counter<"event">;
  eventsDropped: Counter<"event" | "reason">;
  /** Automatic restarts of failed/disconnected sessions, and sessions left failed at the cap. */
  sessionRestarts: Counter;
  sessionGaveUp: Counter;
  browserRecycles: Counter<"reason">;
  /** `wagate_opt_outs_total{source}`: numbers opted out by an inbound keyword here. */
  optOuts: Counter<"source">;
  /** Sessions handed to another worker to balance the load, and heartbeat round times. */
  sessionsHandedOver: Counter;
  heartbeatSeconds: Histogram;
  /** Seconds a claimed send waited on its session's pacer (bucket, recipient gap, pause). */
  pacingWait: Histogram;
  /** Sets `wagate_broadcast_messages{status}` from the progress tick's counts (summed). */
  setBroadcastMessages(counts: BroadcastCounts[]): void;
}

/** Worker metrics on `registry`; gauges are computed on scrape from `sources`. */
export function createWorkerMetrics(registry: Registry, sources: MetricsSources): WorkerMetrics {
  const messages = new Counter({
    name: "wagate_messages_total",
    help: "Outbound messages reaching a status in this worker (sent, delivered, read, failed).",
    labelNames: ["status", "error_code"] as const,
    registers: [registry],
  });
  const sendLatency = new Histogram({
    name: "wagate_send_latency_seconds",
    help: "From acceptance by the API to sent.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  });
  const ackLatency = new Histogram({
    name: "wagate_ack_latency_seconds",
    help: "From sent to the delivered or read ack.",
    labelNames: ["status"] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  const inbound = new Counter({
    name: "wagate_messages_received_total",
    help: "Inbound messages recorded.",
    registers: [registry],
  });
  const eventsParked = new Counter({
    name: "wagate_worker_events_parked_total",
    help: "Driver events (ack, message) whose handling failed and were parked for replay.",
    labelNames: ["event"] as const,
    registers: [registry],
  });
  const eventsReplayed = new Counter({
    name: "wagate_worker_events_replayed_total",
    help: "Parked driver events handled on replay.",
    labelNames: ["event"] as const,
    registers: [registry],
  });
  const eventsDropped = new Counter({
    name: "wagate_worker_events_dropped_total",
    help: "Driver events given up: park full in Redis and memory, or failing while Postgres answers.",
    labelNames: ["event", "reason"] as const,
    registers: [registry],
  });
  const sessionRestarts = new Counter({
    name: "wagate_session_restarts_total",
    help: "Automatic restarts of failed or unexpectedly disconnected sessions.",
    registers: [registry],
  });
  const sessionGaveUp = new Counter({
    name: "wagate_session_restarts_exhausted_total",
    help: "Sessions left failed after SESSION_RESTART_MAX_ATTEMPTS restarts.",
    registers: [registry],
  });
  const browserRecycles = new Counter({
    name: "wagate_session_browser_recycles_total",
    help: "Session browsers replaced for exceeding SESSION_BROWSER_MAX_MEMORY_MB or _MAX_AGE_MS.",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const sessionsHandedOver = new Counter({
    name: "wagate_worker_sessions_handed_over_total",
    help: "Sessions this worker handed over because it held more than its fair share.",
    registers: [registry],
  });
  const heartbeatSeconds = new Histogram({
    name: "wagate_worker_heartbeat_seconds",
    help: "Duration of a heartbeat round: the roster entry and every owned lease renewed in Redis.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const pacingWait = new Histogram({
    name: "wagate_pacing_wait_seconds",
    help: "Time a claimed send waited on its session's pacer before going to WhatsApp.",
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const broadcastMessages = new Gauge({
    name: "wagate_broadcast_messages",
    help: "Messages of the running or paused broadcasts on this worker's sessions, by status.",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  const broadcastStatuses = Object.keys(broadcastCountsSchema.shape) as (keyof BroadcastCounts)[];
  const setBroadcastMessages = (counts: BroadcastCounts[]) => {
    for (const status of broadcastStatuses) {
      broadcastMessages.set(
        { status },
        counts.reduce((n, c) => n + c[status], 0),
      );
    }
  };
  setBroadcastMessages([]);
  new Gauge({
    name: "wagate_session_browser_memory_bytes",
    help: "Resident memory of each owned session's Chromium process tree (from /proc).",
    labelNames: ["session"] as const,
    registers: [registry],
    async collect() {
      const samples = await sources.browserMemory().catch(() => []);
      this.reset();
      for (const { sessionId, bytes } of samples) this.set({ session: sessionId }, bytes);
    },
  });
  new Gauge({
    name: "wagate_sessions",
    help: "Sessions owned by this worker, by status.",
    labelNames: ["status"] as const,
    registers: [registry],
    collect() {
      const counts = Object.fromEntries(SESSION_STATUSES.map((s) => [s, 0])) as Record<
        string,
        number
      >;
      for (const status of sources.sessionStatuses()) counts[status] = (counts[status] ?? 0) + 1;
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: "wagate_worker_sessions_owned",
    help: "Session leases this worker holds.",
    registers: [registry],
    collect() {
      this.set(sources.sessionsOwned());
    },
  });
  const depth = new Gauge({
    name: "wagate_send_queue_jobs",
    help: "Jobs in the send queues of the sessions this worker owns, by state.",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const samples = await sources.sendQueues().catch(() => []);
      const sum = (k: keyof QueueSample) => samples.reduce((n, s) => n + s[k], 0);
      depth.set({ state: "waiting" }, sum("waiting"));
      depth.set({ state: "delayed" }, sum("delayed"));
      depth.set({ state: "active" }, sum("active"));
      age.set(Math.max(0, ...samples.map((s) => s.oldestAgeSeconds)));
    },
  });
  const age = new Gauge({
    name: "wagate_send_queue_oldest_age_seconds",
    help: "Age of the oldest waiting send job across the owned sessions.",
    registers: [registry],
  });
  return {
    optOuts: optOutCounter(registry),
    messages,
    sendLatency,
    ackLatency,
    inbound,
    eventsParked,
    eventsReplayed,
    eventsDropped,
    sessionRestarts,
    sessionGaveUp,
    browserRecycles,
    sessionsHandedOver,
    heartbeatSeconds,
    pacingWait,
    setBroadcastMessages,
  };
}
