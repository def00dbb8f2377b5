import { QUEUES } from "@wagate/contracts";
import { announceMessageStatus, emitEvent, type MessageWireSession } from "@wagate/core";
import type { messages } from "@wagate/db";
import type { AppDeps } from "../../lib/context.js";
import { queueFor } from "../../lib/queues.js";

/**
 * Emits `message.status` for a status change the API made (cancel, enqueue failure) and
 * returns the wire object, with the lifecycle's `announceMessageStatus`: a webhook that
 * cannot be queued is logged and never fails the request.
 */
export function announceStatus(
  deps: AppDeps,
  row: typeof messages.$inferSelect,
  session: MessageWireSession | null,
) {
  return announceMessageStatus(
    {
      logger: deps.logger,
      now: deps.now(),
      emit: (input) => emitEvent(deps.db, queueFor(deps, QUEUES.webhooks), input),
    },
    row,
    session,
  );
}
