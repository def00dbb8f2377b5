import { sendQueueName } from "@wagate/contracts";
import { endUnsent, toMessageWire } from "@wagate/core";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { queueFor } from "../../lib/queues.js";
import { ConflictError } from "../errors.js";
import { announceStatus } from "./announce.js";
import { getAcceptMetrics } from "./metrics.js";
import { getMessage } from "./query.js";

/**
 * DELETE /messages/{id}: cancels a message still `queued` or `scheduled` with the
 * lifecycle's `endUnsent` (one conditional update, so a worker that takes it at the same
 * moment and the cancel cannot both win; its quota unit given back and `message.status`
 * announced once), then drops its job. A message already past those statuses is a 409
 * `conflict`.
 */
export async function cancelMessage(deps: AppDeps, account: AccountPrincipal, id: string) {
  const { row, session } = await getMessage(deps.db, account, id);
  const cancelled = await endUnsent(deps, row, {
    to: "cancelled",
    from: ["queued", "scheduled"],
    now: deps.now(),
    announce: (ended) => announceStatus(deps, ended, session),
  });
  if (!cancelled) {
    throw new ConflictError(`message ${row.id} can no longer be cancelled (status ${row.status})`, {
      status: row.status,
    });
  }
  getAcceptMetrics(deps.registry).cancelled.inc({ mode: cancelled.mode });
  if (cancelled.sessionId) {
    // The worker skips a cancelled row anyway; removing the job just frees the queue. A job
    // being processed right now is locked and stays (it will read `cancelled` and stop).
    await queueFor(deps, sendQueueName(cancelled.sessionId))
      .remove(cancelled.id)
      .catch((err: unknown) =>
        deps.logger.warn({ err, messageId: cancelled.id }, "send job not removed"),
      );
  }
  return toMessageWire(cancelled, session);
}
