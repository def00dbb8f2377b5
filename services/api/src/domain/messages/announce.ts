import { QUEUES } from "@wagate/contracts";
import { emitEvent, type MessageWireSession, toMessageWire } from "@wagate/core";
import type { messages } from "@wagate/db";
import type { AppDeps } from "../../lib/context.js";
import { queueFor } from "../../lib/queues.js";

/**
 * Emits `message.status` for a status change the API made (cancel, enqueue failure) and
 * returns the wire object. A webhook that cannot be queued is logged and never fails the
 * request: the change itself is committed.
 */
export async function announceStatus(
  deps: AppDeps,
  row: typeof messages.$inferSelect,
  session: MessageWireSession | null,
) {
  const data = toMessageWire(row, session);
  try {
    await emitEvent(deps.db, queueFor(deps, QUEUES.webhooks), {
      userId: row.userId,
      type: "message.status",
      data,
      now: deps.now(),
    });
  } catch (err) {
    deps.logger.warn({ err, messageId: row.id }, "message.status webhook not queued");
  }
  return data;
}
