export type {
  JobContext,
  JobDefinition,
  JobRunOptions,
  JobSummary,
  ScheduleSpec,
} from "./context.js";
export * from "./env.js";
export { aggregateUsageDay } from "./jobs/aggregate-usage.js";
export { getJob, JOB_NAMES_LIST, JOBS } from "./jobs/index.js";
export { jobLockKey, withJobLock } from "./lock.js";
export { createSchedulerMetrics, type SchedulerMetrics } from "./metrics.js";
export { redisSentinelKey } from "./redis-watch.js";
export {
  createScheduler,
  RECOVERY_PASSES_MS,
  type RunResult,
  type Scheduler,
  type SchedulerDeps,
} from "./scheduler.js";
