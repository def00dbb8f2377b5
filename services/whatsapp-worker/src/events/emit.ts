import { type EmitEventInput, emitEvent } from "@wagate/core";
import type { Executor } from "@wagate/db";
import type { Queue } from "bullmq";
import type { WorkerContext } from "../context.js";

type BulkJobs = Parameters<Queue["addBulk"]>[0];

/**
 * Collects webhook events inside a database transaction and enqueues their delivery jobs
 * only once it has committed: a retried transaction never leaves a half-written event, and
 * a delivery job never runs before its row exists. `emit(input)` inside `work`; the jobs
 * carry `jobId = delivery id`, so adding them again is harmless. If Redis refuses the add,
 * the `pending` rows stay and the scheduler's reconcile re-enqueues them
 * (`requeueStalledWebhookDeliveries`).
 */
export async function withEvents<T>(
  ctx: WorkerContext,
  work: (tx: Executor, emit: (input: EmitEventInput) => Promise<void>) => Promise<T>,
  /** Runs after the commit and before the jobs are added (e.g. Redis state the row implies). */
  afterCommit?: (result: T) => Promise<void>,
): Promise<T> {
  const jobs: BulkJobs = [];
  const result = await ctx.db.transaction((tx) =>
    work(tx, async (input) => {
      await emitEvent(tx, collectInto(ctx, jobs), input);
    }),
  );
  try {
    await afterCommit?.(result);
  } finally {
    await enqueue(ctx, jobs);
  }
  return result;
}

/**
 * One event on its own, written the same way (its rows are one INSERT, so no transaction is
 * needed): safe to repeat after a failure, since nothing is written unless it all is.
 */
export async function emitAlone(ctx: WorkerContext, input: EmitEventInput): Promise<void> {
  const jobs: BulkJobs = [];
  await emitEvent(ctx.db, collectInto(ctx, jobs), input);
  await enqueue(ctx, jobs);
}

/**
 * A stand-in queue whose `addBulk` (all `emitEvent` calls) only collects the jobs. Its
 * `client` and `opts` are the webhooks queue's, so `emitEvent`'s live-feed publish
 * (`publishLiveEventVia`) reaches `${prefix}:events`: without them every worker event
 * (message and session status) was silently missing from the admin event monitor.
 */
const collectInto = (ctx: WorkerContext, jobs: BulkJobs) =>
  ({
    addBulk: async (added: BulkJobs) => {
      jobs.push(...added);
      return [];
    },
    get client() {
      return ctx.webhookQueue.client;
    },
    get opts() {
      return ctx.webhookQueue.opts;
    },
  }) as unknown as Queue;

async function enqueue(ctx: WorkerContext, jobs: BulkJobs): Promise<void> {
  if (jobs.length > 0) {
    try {
      await ctx.webhookQueue.addBulk(jobs);
    } catch (error) {
      ctx.logger.warn(
        { err: error, jobs: jobs.length },
        "webhook jobs not queued; reconcile re-enqueues their pending rows",
      );
    }
  }
}
