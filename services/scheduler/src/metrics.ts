import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface SchedulerMetrics {
  /** `wagate_scheduler_job_runs_total{job,result}`; result is success, failure or skipped. */
  jobRuns: Counter<"job" | "result">;
  /** `wagate_scheduler_job_duration_seconds{job}`. */
  jobDuration: Histogram<"job">;
  /** `wagate_suspicious_activity_total{kind}`: each finding counted once, when first recorded. */
  suspiciousActivity: Counter<"kind">;
  /** `wagate_scheduler_redis_data_losses_total`: times this process found Redis empty. */
  redisDataLosses: Counter;
}

/** Registers the scheduler's metrics on `registry` (reusing them if already there). */
export function createSchedulerMetrics(registry: Registry): SchedulerMetrics {
  const reuse = <T>(name: string, make: () => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? make();
  return {
    jobRuns: reuse(
      "wagate_scheduler_job_runs_total",
      () =>
        new Counter({
          name: "wagate_scheduler_job_runs_total",
          help: "Maintenance job runs by job and result (success, failure, skipped).",
          labelNames: ["job", "result"],
          registers: [registry],
        }),
    ),
    jobDuration: reuse(
      "wagate_scheduler_job_duration_seconds",
      () =>
        new Histogram({
          name: "wagate_scheduler_job_duration_seconds",
          help: "Duration of maintenance job runs.",
          labelNames: ["job"],
          buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
          registers: [registry],
        }),
    ),
    suspiciousActivity: reuse(
      "wagate_suspicious_activity_total",
      () =>
        new Counter({
          name: "wagate_suspicious_activity_total",
          help: "Suspicious activity findings recorded to audit_logs, by kind.",
          labelNames: ["kind"],
          registers: [registry],
        }),
    ),
    redisDataLosses: reuse(
      "wagate_scheduler_redis_data_losses_total",
      () =>
        new Counter({
          name: "wagate_scheduler_redis_data_losses_total",
          help: "Times the scheduler found that Redis had lost its data and re-declared its schedules.",
          registers: [registry],
        }),
    ),
  };
}

/**
 * `wagate_maintenance_queue_jobs{state}`: the maintenance queue's job counts, read from
 * BullMQ at scrape time (waiting, active, delayed, failed, completed).
 */
export function registerMaintenanceQueueGauge(
  registry: Registry,
  counts: () => Promise<Record<string, number>>,
): void {
  if (registry.getSingleMetric("wagate_maintenance_queue_jobs")) return;
  new Gauge({
    name: "wagate_maintenance_queue_jobs",
    help: "Jobs in the scheduler's maintenance queue, by state.",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      try {
        for (const [state, n] of Object.entries(await counts())) this.set({ state }, n);
      } catch {
        // Redis unavailable: keep the last values; /readyz reports the outage.
      }
    },
  });
}
