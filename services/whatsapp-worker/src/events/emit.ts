import { type EmitEventInput, emitEvent, TurnPipeline } from "@wagate/core";
import type { Executor } from "@wagate/db";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
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
  const collected = collector(ctx);
  const result = await ctx.db.transaction((tx) =>
    work(tx, async (input) => {
      await emitEvent(tx, collected.queue, input, { subscriptions: ctx.webhookSubscriptions });
    }),
  );
  try {
    await afterCommit?.(result);
  } finally {
    await flush(ctx, collected);
  }
  return result;
}

/**
 * One event on its own, written the same way (its rows are one INSERT, so no transaction is
 * needed): safe to repeat after a failure, since nothing is written unless it all is.
 */
export async function emitAlone(ctx: WorkerContext, input: EmitEventInput): Promise<void> {
  const collected = collector(ctx);
  await emitEvent(ctx.db, collected.queue, input, { subscriptions: ctx.webhookSubscriptions });
  await flush(ctx, collected);
}

interface Collected {
  queue: Queue;
  jobs: BulkJobs;
  /** Live-feed messages (`publishLiveEventVia` inside `emitEvent`), published after commit. */
  published: Array<[channel: string, message: string]>;
}

/**
 * A stand-in for the webhook queue as `emitEvent` uses it: `addBulk` collects the delivery
 * jobs and the client's `publish` collects the live-feed messages, so neither leaves the
 * process before the rows they describe are committed.
 */
function collector(ctx: WorkerContext): Collected {
  const jobs: BulkJobs = [];
  const published: Collected["published"] = [];
  const client = {
    publish: async (channel: string, message: string) => {
      published.push([channel, message]);
      return 0;
    },
  };
  const queue = {
    opts: ctx.webhookQueue.opts,
    client: Promise.resolve(client),
    addBulk: async (added: BulkJobs) => {
      jobs.push(...added);
      return [];
    },
  } as unknown as Queue;
  return { queue, jobs, published };
}

async function flush(ctx: WorkerContext, { jobs, published }: Collected): Promise<void> {
  // The live feed is best effort (the admin monitor), never a reason to fail or wait for an
  // event: published without waiting for the answer, in order.
  for (const entry of published) ctx.liveFeed.publish(entry[0], entry[1]);
  await enqueue(ctx, jobs);
}

/**
 * The worker's live-feed messages, gathered for the rest of the event-loop turn and sent as
 * ONE pipeline (`TurnPipeline`: one socket write instead of one per status change, in
 * order). Best effort: a failure is logged at debug level.
 */
export class LiveFeedPublisher {
  private turn: Promise<TurnPipeline> | undefined;

  constructor(
    private readonly client: () => Promise<Pick<Redis, "pipeline">>,
    private readonly logger: WorkerContext["logger"],
  ) {}

  publish(channel: string, message: string): void {
    this.turn ??= this.client().then((client) => new TurnPipeline(client));
    const turn = this.turn;
    void turn
      .then((pipeline) => pipeline.call((p) => p.publish(channel, message)))
      .catch((error: unknown) => {
        // Ask for the client again next time (it may have been the one that failed).
        if (this.turn === turn) this.turn = undefined;
        this.logger.debug({ err: error }, "live event not published");
      });
  }
}

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

/**
 * `withEvents` for many events written at once with `emitEvents` (`@wagate/core`
 * `webhooks-bulk.ts`): `work` gets the transaction and the collecting stand-in queue; the
 * delivery jobs and live-feed messages leave only after the commit.
 */
export async function withBulkEvents<T>(
  ctx: WorkerContext,
  work: (tx: Executor, queue: Queue) => Promise<T>,
): Promise<T> {
  const collected = collector(ctx);
  const result = await ctx.db.transaction((tx) => work(tx, collected.queue));
  await flush(ctx, collected);
  return result;
}
