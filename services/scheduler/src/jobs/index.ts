import type { JobDefinition } from "../context.js";
import { aggregateUsage } from "./aggregate-usage.js";
import { cleanupExpired } from "./cleanup-expired.js";
import { detectSuspicious } from "./detect-suspicious.js";
import { pruneLogs } from "./prune-logs.js";
import { reconcileMessages } from "./reconcile-messages.js";

/** Every maintenance job by name: what the scheduler declares and what the CLI can run. */
export const JOBS: Record<string, JobDefinition> = Object.fromEntries(
  [aggregateUsage, pruneLogs, cleanupExpired, reconcileMessages, detectSuspicious].map((job) => [
    job.name,
    job,
  ]),
);

export const JOB_NAMES_LIST = Object.keys(JOBS);

export function getJob(name: string): JobDefinition | undefined {
  return Object.hasOwn(JOBS, name) ? JOBS[name] : undefined;
}
