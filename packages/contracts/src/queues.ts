import { z } from "zod";

/**
 * The queue catalogue: every BullMQ queue wagate uses, its job names and payload schemas.
 * Producers validate a payload with `parseJob` before enqueueing and consumers validate it
 * again when they take the job. Jobs carry ids only; the row in Postgres is the truth.
 */

/** Per-session send queue: only the worker holding the session's lease consumes it. */
export const sendQueueName = (sessionId: string) => `send-${sessionId}`;

export const QUEUES = {
  /** Outbound webhook deliveries, retried with backoff for at least 24 h. */
  webhooks: "webhooks",
  /** Scheduler maintenance jobs (aggregate-usage, prune-logs, ...). */
  maintenance: "maintenance",
} as const;

export const sendJobSchema = z.object({ messageId: z.string().startsWith("msg_") });
export type SendJob = z.infer<typeof sendJobSchema>;

export const webhookJobSchema = z.object({ deliveryId: z.string().startsWith("whd_") });
export type WebhookJob = z.infer<typeof webhookJobSchema>;

export const maintenanceJobSchema = z.object({
  /** Set when run by hand (`npm run scheduler -- run <job>`), for the logs and audit. */
  trigger: z.enum(["schedule", "manual"]).default("schedule"),
  /** aggregate-usage only: also recompute this many whole UTC days before today (default 0). */
  days: z.number().int().min(0).max(366).optional(),
});
export type MaintenanceJob = z.infer<typeof maintenanceJobSchema>;

export const JOB_NAMES = {
  send: "send",
  webhookDeliver: "deliver",
} as const;

/**
 * Options of every send job, whoever adds it (the API on accept, the scheduler's reconcile):
 * `jobId = messageId`, so a re-enqueue never duplicates a send; a later send is a delayed
 * job; BullMQ attempts stay at 1 (the worker retries by itself, counting in the row);
 * completed jobs are removed, failed ones kept a week.
 */
export const sendJobOptions = (messageId: string, delayMs = 0, priority = 0) => ({
  jobId: messageId,
  ...(delayMs > 0 ? { delay: delayMs } : {}),
  ...(priority > 0 ? { priority } : {}),
  removeOnComplete: true as const,
  removeOnFail: { age: 7 * 24 * 3600 },
});

/**
 * BullMQ priority of a broadcast's send jobs. Jobs without a priority (ordinary API sends)
 * are taken before any prioritized job, so bulk traffic never delays a single send.
 */
export const BROADCAST_SEND_PRIORITY = 10;

/** Validates a job payload, naming the queue in the error so a bad producer is easy to find. */
export function parseJob<T extends z.ZodType>(queue: string, schema: T, data: unknown): z.infer<T> {
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new Error(`invalid ${queue} job payload: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}
