import { sendQueueName } from "@wagate/contracts";
import { refundQuota, transitionMessage } from "@wagate/core";
import { messages } from "@wagate/db";
import { isNull } from "drizzle-orm";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { conflict } from "../../lib/errors.js";
import { queueFor } from "../../lib/queues.js";
import { announceStatus } from "./announce.js";
import { getAcceptMetrics } from "./metrics.js";
import { getMessage } from "./query.js";

/**
 * DELETE /messages/{id}: cancels a message still `queued` or `scheduled` in one conditional
 * update (so a worker that takes it at the same moment and the cancel cannot both win),
 * gives its quota unit back once, drops its job and announces `message.status`. A message
 * already past those statuses is a 409 `conflict`.
 */
export async function cancelMessage(deps: AppDeps, account: AccountPrincipal, id: string) {
  const { row, session } = await getMessage(deps.db, account, id);
  const now = deps.now();
  const cancelled = await transitionMessage(deps.db, row.id, "cancelled", {
    from: ["queued", "scheduled"],
    set: { quotaRefundedAt: now },
    where: isNull(messages.quotaRefundedAt),
    now,
  });
  if (!cancelled) {
    throw conflict(`message ${row.id} can no longer be cancelled (status ${row.status})`, {
      status: row.status,
    });
  }
  getAcceptMetrics(deps.registry).cancelled.inc({ mode: cancelled.mode });
  if (cancelled.quotaDay) {
    await refundQuota(deps.redis, deps.redisPrefix, {
      userId: cancelled.userId,
      mode: cancelled.mode,
      day: cancelled.quotaDay,
    });
  }
  if (cancelled.sessionId) {
    // The worker skips a cancelled row anyway; removing the job just frees the queue. A job
    // being processed right now is locked and stays (it will read `cancelled` and stop).
    await queueFor(deps, sendQueueName(cancelled.sessionId))
      .remove(cancelled.id)
      .catch((err: unknown) =>
        deps.logger.warn({ err, messageId: cancelled.id }, "send job not removed"),
      );
  }
  return announceStatus(deps, cancelled, session);
}
