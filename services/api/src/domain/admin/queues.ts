import { QUEUES, sendQueueName } from "@wagate/contracts";
import { whatsappSessions } from "@wagate/db";
import type { Queue } from "bullmq";
import type { AppDeps } from "../../lib/context.js";
import { queueFor } from "../../lib/queues.js";

export interface QueueDepth {
  /** Jobs ready to run (waiting, paused or prioritized). */
  waiting: number;
  active: number;
  /** Scheduled sends, retries waiting for their backoff. */
  delayed: number;
  failed: number;
  /** Age of the oldest waiting job, seconds; 0 when none waits. */
  oldest_waiting_age_seconds: number;
}

export interface SendQueueDepth extends QueueDepth {
  name: string;
  session_id: string;
  user_id: string;
  session: string;
}

export interface QueuesOverview {
  /** All send queues added up (the oldest age is the oldest of all). */
  send: QueueDepth;
  /** Send queues holding at least one job, deepest first. */
  send_queues: SendQueueDepth[];
  webhooks: QueueDepth;
}

/** Send queues sampled at once: each costs two Redis round trips. */
const SAMPLE_CONCURRENCY = 32;

/**
 * BullMQ job counts and the oldest waiting job's age, for one queue. `now` must be the real
 * clock: BullMQ stamps jobs with `Date.now()`, not with an injected clock.
 */
export async function queueDepth(queue: Queue, now = new Date()): Promise<QueueDepth> {
  const counts = await queue.getJobCounts(
    "wait",
    "paused",
    "prioritized",
    "active",
    "delayed",
    "failed",
  );
  const waiting = (counts.wait ?? 0) + (counts.paused ?? 0) + (counts.prioritized ?? 0);
  let oldestAge = 0;
  if (waiting > 0) {
    // Ascending order: the first job of each state is the one added longest ago there.
    const firsts = await queue.getJobs(["wait", "paused", "prioritized"], 0, 0, true);
    const oldest = Math.min(...firsts.filter(Boolean).map((job) => job.timestamp));
    if (Number.isFinite(oldest))
      oldestAge = Math.max(0, Math.round((now.getTime() - oldest) / 1000));
  }
  return {
    waiting,
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    oldest_waiting_age_seconds: oldestAge,
  };
}

const isEmpty = (d: QueueDepth) => d.waiting + d.active + d.delayed + d.failed === 0;

/** Depth of every session's send queue (one per session row) and of the webhooks queue. */
export async function queuesOverview(deps: AppDeps): Promise<QueuesOverview> {
  const now = new Date();
  const sessions = await deps.db
    .select({
      id: whatsappSessions.id,
      userId: whatsappSessions.userId,
      name: whatsappSessions.name,
    })
    .from(whatsappSessions);
  const sendQueues: SendQueueDepth[] = [];
  for (let i = 0; i < sessions.length; i += SAMPLE_CONCURRENCY) {
    const batch = sessions.slice(i, i + SAMPLE_CONCURRENCY);
    const depths = await Promise.all(
      batch.map(async (s) => {
        const name = sendQueueName(s.id);
        const depth = await queueDepth(queueFor(deps, name), now);
        return { name, session_id: s.id, user_id: s.userId, session: s.name, ...depth };
      }),
    );
    sendQueues.push(...depths.filter((d) => !isEmpty(d)));
  }
  sendQueues.sort((a, b) => b.waiting + b.delayed - (a.waiting + a.delayed));
  const send: QueueDepth = {
    waiting: 0,
    active: 0,
    delayed: 0,
    failed: 0,
    oldest_waiting_age_seconds: 0,
  };
  for (const q of sendQueues) {
    send.waiting += q.waiting;
    send.active += q.active;
    send.delayed += q.delayed;
    send.failed += q.failed;
    send.oldest_waiting_age_seconds = Math.max(
      send.oldest_waiting_age_seconds,
      q.oldest_waiting_age_seconds,
    );
  }
  const webhooks = await queueDepth(queueFor(deps, QUEUES.webhooks), now);
  return { send, send_queues: sendQueues, webhooks };
}
