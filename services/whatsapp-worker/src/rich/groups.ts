import type { WorkerContext } from "../context.js";
import type { GroupChange, GroupParticipantsChange } from "../drivers/types.js";
import { emitAlone } from "../events/emit.js";
import type { InboundSession } from "../sessions/traffic.js";

/**
 * A group's participants changed (issue 12): `group.participants` with phone and LID of
 * each person when known. Nothing else is stored; it runs from the session's `EventInbox`,
 * so a write that fails (Postgres away) is parked and replayed like messages' events.
 */
export async function handleGroupParticipants(
  ctx: WorkerContext,
  session: InboundSession,
  change: GroupParticipantsChange,
): Promise<void> {
  await emitAlone(ctx, {
    userId: session.userId,
    type: "group.participants",
    data: {
      session: session.name,
      group_id: change.group,
      action: change.action,
      participants: change.participants.map((p) => ({ phone: p.phone, lid: p.lid })),
      by: change.by ? { phone: change.by.phone, lid: change.by.lid } : null,
      at: change.at.toISOString(),
    },
    now: ctx.now(),
  });
}

/** A group's subject, description, picture or settings changed: `group.update`. */
export async function handleGroupUpdate(
  ctx: WorkerContext,
  session: InboundSession,
  change: GroupChange,
): Promise<void> {
  await emitAlone(ctx, {
    userId: session.userId,
    type: "group.update",
    data: {
      session: session.name,
      group_id: change.group,
      field: change.field,
      value: change.value,
      by: change.by ? { phone: change.by.phone, lid: change.by.lid } : null,
      at: change.at.toISOString(),
    },
    now: ctx.now(),
  });
}
