import { JOB_NAMES, parseJob, sendJobSchema, sendQueueName } from "@wagate/contracts";
import type { AppDeps } from "../../lib/context.js";
import { queueFor } from "../../lib/queues.js";

/**
 * Queues the send of `messageId` on its session's own queue (only the lease holder consumes
 * it). `jobId = messageId`, so a re-enqueue (reconciler, retry) never duplicates a send; a
 * scheduled send is a delayed job. The worker does its own retries (it moves the job back
 * to delayed with backoff), so BullMQ attempts stay at 1.
 */
export async function enqueueSend(
  deps: Pick<AppDeps, "redis" | "redisPrefix" | "queues">,
  input: { sessionId: string; messageId: string; delayMs?: number },
): Promise<void> {
  const data = parseJob(sendQueueName(input.sessionId), sendJobSchema, {
    messageId: input.messageId,
  });
  await queueFor(deps as AppDeps, sendQueueName(input.sessionId)).add(JOB_NAMES.send, data, {
    jobId: input.messageId,
    ...(input.delayMs && input.delayMs > 0 ? { delay: input.delayMs } : {}),
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  });
}
