import { sendQueueName } from "@wagate/contracts";
import { enqueueSendJob } from "@wagate/core";
import type { AppDeps } from "../../lib/context.js";
import { queueFor } from "../../lib/queues.js";

/**
 * Queues the send of `messageId` on its session's own queue (only the lease holder consumes
 * it), with the lifecycle's `enqueueSendJob` (validated payload, the shared send job
 * options: `jobId = messageId`, a scheduled send is a delayed job, BullMQ attempts 1).
 */
export async function enqueueSend(
  deps: Pick<AppDeps, "redis" | "redisPrefix" | "queues">,
  input: { sessionId: string; messageId: string; delayMs?: number },
): Promise<void> {
  await enqueueSendJob(queueFor(deps as AppDeps, sendQueueName(input.sessionId)), {
    messageId: input.messageId,
    delayMs: input.delayMs ?? 0,
  });
}
