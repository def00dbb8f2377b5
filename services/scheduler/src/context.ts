import type { Database } from "@wagate/db";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type postgres from "postgres";
import type { SchedulerSettings } from "./env.js";
import type { SchedulerMetrics } from "./metrics.js";

/** What every maintenance job receives: real dependencies, pointed at a test's own in tests. */
export interface JobContext {
  db: Database;
  sql: postgres.Sql;
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
  now: () => Date;
  settings: SchedulerSettings;
  metrics: SchedulerMetrics;
  /** The BullMQ queue `send-<sessionId>` (cached; closed when the scheduler stops). */
  sendQueue: (sessionId: string) => Queue;
  /** The `webhooks` queue for `emitEvent` (made on first use; closed when the scheduler stops). */
  webhookQueue: () => Queue;
}

export interface JobRunOptions {
  /** `recovery`: run by the scheduler itself right after it found Redis had lost its data. */
  trigger: "schedule" | "manual" | "recovery";
  /** aggregate-usage: also recompute this many whole UTC days before today. */
  days?: number | undefined;
}

/** Counts a job reports (rows touched, findings, ...): logged, and printed by the CLI. */
export type JobSummary = Record<string, number | string>;

export interface ScheduleSpec {
  /** Job scheduler id in BullMQ: stable, so every replica upserts the same one. */
  id: string;
  /** Cron pattern, read in UTC. */
  pattern: string;
  /** Extra job data, e.g. `{ days: 1 }`. */
  data?: { days?: number };
}

export interface JobDefinition {
  name: string;
  description: string;
  /** The schedules to declare for this job under `settings` (none when set `off`). */
  schedules: (settings: SchedulerSettings) => ScheduleSpec[];
  run: (ctx: JobContext, options: JobRunOptions) => Promise<JobSummary>;
}

/** UTC midnight of `at`'s day. */
export const utcDayStart = (at: Date): Date =>
  new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));

export const addDays = (at: Date, days: number): Date => new Date(at.getTime() + days * 86_400_000);
