import { announceMessageStatus, type MessageRow } from "@wagate/core";
import type { WorkerContext } from "../context.js";
import { emitAlone } from "../events/emit.js";
import { untilDatabaseAnswers } from "../events/retry.js";
import type { SendSession } from "./session.js";

/**
 * Emits `message.status` for a row a lifecycle verb returned, and counts it. The event is
 * retried while Postgres does not answer (the status change is already committed); a
 * failure with the database answering is logged, never fails the send. With no webhook
 * subscribed (cached, `ctx.webhookSubscriptions`) this touches no database.
 */
export async function announceStatus(ctx: WorkerContext, session: SendSession, row: MessageRow) {
  if (row.status !== "sending") {
    ctx.metrics.messages.inc({ status: row.status, error_code: row.errorCode ?? "" });
  }
  await announceMessageStatus(
    {
      logger: ctx.logger,
      now: ctx.now(),
      emit: (input) => untilDatabaseAnswers(ctx, () => emitAlone(ctx, input), session.signal),
    },
    row,
    session.wire(),
  );
}
