import { baseEnvSchema, envPort, parseEnv } from "@wagate/core";
import { z } from "zod";

const days = (fallback: number) => z.coerce.number().int().min(1).max(3650).default(fallback);
const positive = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
/** A 5-field cron pattern (always read in UTC), or `off` to declare no schedule for the job. */
const schedule = (fallback: string) =>
  z
    .string()
    .trim()
    .refine((v) => v === "off" || v.split(/\s+/).length === 5 || v.split(/\s+/).length === 6, {
      message: "must be a cron pattern (5 or 6 fields, UTC) or `off`",
    })
    .default(fallback);

/**
 * What the scheduler's jobs read: retention, schedules, thresholds. Kept apart from the
 * connection settings so tests and the CLI can build it from `{}` (every field has a default).
 */
export const schedulerSettingsSchema = z.object({
  /** Maintenance jobs this process runs at once (different jobs; one job never overlaps itself). */
  SCHEDULER_CONCURRENCY: positive(2),
  /** How long a run waits for another run of the same job to finish before skipping. */
  SCHEDULER_LOCK_WAIT_MS: z.coerce.number().int().min(0).default(30_000),
  /**
   * How often the scheduler checks that Redis still holds its data (a sentinel key; also
   * checked on every reconnect). When it is gone the schedules are declared again and
   * reconcile-messages runs at once in recovery mode (see docs/internals.md).
   */
  SCHEDULER_REDIS_CHECK_MS: z.coerce.number().int().min(100).default(5_000),

  // Schedules (UTC cron). aggregate-usage runs for today; the `-yesterday` one closes the day.
  SCHEDULE_AGGREGATE_USAGE: schedule("*/5 * * * *"),
  SCHEDULE_AGGREGATE_USAGE_YESTERDAY: schedule("7 0 * * *"),
  SCHEDULE_PRUNE_LOGS: schedule("30 3 * * *"),
  SCHEDULE_CLEANUP_EXPIRED: schedule("15 * * * *"),
  SCHEDULE_RECONCILE_MESSAGES: schedule("* * * * *"),
  SCHEDULE_DETECT_SUSPICIOUS: schedule("*/5 * * * *"),

  // Retention, days.
  API_LOGS_RETENTION_DAYS: days(30),
  LOGIN_HISTORY_RETENTION_DAYS: days(90),
  AUDIT_LOGS_RETENTION_DAYS: days(365),
  WEBHOOK_DELIVERIES_RETENTION_DAYS: days(30),
  /**
   * The simulator's record of what "WhatsApp" delivered (test-mode sessions): kept this long
   * for exactly-once checks after a crash, then deleted.
   */
  SIMULATOR_RETENTION_DAYS: days(30),
  /** Content and media of messages older than this are nulled; the rows stay for stats. */
  MESSAGE_CONTENT_RETENTION_DAYS: days(90),
  /** Expired or revoked refresh tokens are kept this long (reuse detection still sees them). */
  REFRESH_TOKEN_GRACE_DAYS: days(7),
  /** Finished (expired, used, blocked) password-reset requests are deleted after this. */
  PASSWORD_RESET_RETENTION_DAYS: days(30),
  /** Rows per DELETE/UPDATE batch in pruning: each batch is its own short statement. */
  PRUNE_BATCH_SIZE: positive(5000),

  // reconcile-messages.
  /** Rows younger than this are left alone (the API may be between INSERT and enqueue). */
  RECONCILE_GRACE_SECONDS: positive(60),
  /** A `sending` row this old whose session has no lease is timed out. */
  SENDING_TIMEOUT_SECONDS: positive(300),
  /**
   * In the recovery runs after a Redis loss: a `sending` row untouched this long whose job
   * is gone and whose sender no longer holds the session's lease gets its job back (the
   * worker never sends a `sending` row twice), instead of waiting SENDING_TIMEOUT_SECONDS.
   */
  RECOVERY_SENDING_GRACE_SECONDS: positive(10),
  /** Rows looked at per reconcile run and kind. */
  RECONCILE_BATCH_SIZE: positive(1000),

  // detect-suspicious.
  SUSPICIOUS_WINDOW_SECONDS: positive(900),
  SUSPICIOUS_FAILED_LOGINS_PER_ADMIN: positive(10),
  SUSPICIOUS_FAILED_LOGINS_PER_IP: positive(20),
  SUSPICIOUS_KEY_DISTINCT_IPS: positive(10),
  /** A quota spike: today's sends reach this share of the daily quota ... */
  SUSPICIOUS_QUOTA_FRACTION: z.coerce.number().gt(0).max(1).default(0.8),
  /** ... and are at least this many times the account's trailing 7-day daily average. */
  SUSPICIOUS_QUOTA_SPIKE_FACTOR: z.coerce.number().min(1).default(5),
});

export type SchedulerSettings = z.infer<typeof schedulerSettingsSchema>;

export const schedulerEnvSchema = baseEnvSchema.extend({
  SCHEDULER_PORT: envPort(3002),
  ...schedulerSettingsSchema.shape,
});

export type SchedulerEnv = z.infer<typeof schedulerEnvSchema>;

export const parseSchedulerEnv = (source: Record<string, string | undefined> = process.env) =>
  parseEnv(schedulerEnvSchema, source);

/** Settings alone, every default applied: `parseSchedulerSettings({ PRUNE_BATCH_SIZE: "10" })`. */
export const parseSchedulerSettings = (source: Record<string, string | undefined> = {}) =>
  parseEnv(schedulerSettingsSchema, source);
