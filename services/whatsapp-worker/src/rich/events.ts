import { type Executor, messages } from "@wagate/db";
import { and, eq, sql } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import type { InboundPollVote, InboundReaction } from "../drivers/types.js";
import { withEvents } from "../events/emit.js";
import type { DriverEvent } from "../events/inbox.js";
import type { InboundSession } from "../sessions/traffic.js";
import { emitCallReceived } from "./calls.js";
import { handleGroupParticipants, handleGroupUpdate } from "./groups.js";

const findByWaId = (tx: Executor, sessionId: string, waMessageId: string) =>
  tx
    .select()
    .from(messages)
    .where(and(eq(messages.sessionId, sessionId), eq(messages.waMessageId, waMessageId)))
    .limit(1)
    .for("update");

/** How long a reaction or vote waits for the send it names to be recorded. */
const SEND_RECORD_WAIT_MS = 5_000;

/**
 * A reaction or vote can beat the `sent` record of its message (the recipient answers
 * faster than the worker stores the wa id): while a message of the session is `sending`,
 * look again for up to `SEND_RECORD_WAIT_MS` before treating the message as unknown.
 */
async function awaitRecorded(ctx: WorkerContext, sessionId: string, waMessageId: string) {
  const deadline = Date.now() + SEND_RECORD_WAIT_MS;
  for (;;) {
    const [found] = await ctx.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.sessionId, sessionId), eq(messages.waMessageId, waMessageId)))
      .limit(1);
    if (found || Date.now() > deadline) return;
    const [sending] = await ctx.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.sessionId, sessionId), sql`${messages.status} = 'sending'`))
      .limit(1);
    if (!sending) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A reaction from WhatsApp (issue 12): the message's `reactions` keep one entry per reactor
 * (the latest replaces; an empty emoji removes it) and `message.reaction` is emitted, in one
 * transaction. A reaction on a message not stored here is still announced (`message_id`
 * null). Our own reaction echoed back by WhatsApp (already recorded by the API) is ignored.
 */
export async function recordReaction(
  ctx: WorkerContext,
  session: InboundSession,
  reaction: InboundReaction,
): Promise<void> {
  await awaitRecorded(ctx, session.sessionId, reaction.waMessageId);
  await withEvents(ctx, async (tx, emit) => {
    const [row] = await findByWaId(tx, session.sessionId, reaction.waMessageId);
    const reactor = reaction.fromMe ? "me" : (reaction.from ?? reaction.fromLid ?? "?");
    const keyOf = (r: { byMe: boolean; from: string | null; fromLid: string | null }) =>
      r.byMe ? "me" : (r.from ?? r.fromLid ?? "?");
    if (row) {
      const current = (row.reactions ?? []).find((r) => keyOf(r) === reactor);
      if (reaction.fromMe && (current?.emoji ?? "") === reaction.emoji) return;
      const list = (row.reactions ?? []).filter((r) => keyOf(r) !== reactor);
      if (reaction.emoji) {
        list.push({
          emoji: reaction.emoji,
          from: reaction.fromMe ? session.phoneNumber : reaction.from,
          fromLid: reaction.fromMe ? null : reaction.fromLid,
          byMe: reaction.fromMe,
          at: reaction.at.toISOString(),
        });
      }
      await tx.update(messages).set({ reactions: list }).where(eq(messages.id, row.id));
    }
    await emit({
      userId: session.userId,
      type: "message.reaction",
      data: {
        message_id: row?.id ?? null,
        wa_message_id: reaction.waMessageId,
        session: session.name,
        emoji: reaction.emoji,
        removed: reaction.emoji === "",
        from: reaction.fromMe ? session.phoneNumber : reaction.from,
        from_lid: reaction.fromMe ? null : reaction.fromLid,
        by_me: reaction.fromMe,
        at: reaction.at.toISOString(),
      },
      now: ctx.now(),
    });
  });
}

/**
 * A poll vote (issue 12): stored on the poll message under the voter (phone, else LID; the
 * latest vote replaces earlier ones) and emitted as `poll.vote`, in one transaction.
 */
export async function recordPollVote(
  ctx: WorkerContext,
  session: InboundSession,
  vote: InboundPollVote,
): Promise<void> {
  await awaitRecorded(ctx, session.sessionId, vote.waMessageId);
  await withEvents(ctx, async (tx, emit) => {
    const [row] = await findByWaId(tx, session.sessionId, vote.waMessageId);
    const at = vote.at.toISOString();
    if (row) {
      const voter = vote.voter ?? vote.voterLid ?? "?";
      const votes = { ...(row.votes ?? {}) };
      votes[voter] = { voter: vote.voter, voterLid: vote.voterLid, options: vote.options, at };
      await tx.update(messages).set({ votes }).where(eq(messages.id, row.id));
    }
    await emit({
      userId: session.userId,
      type: "poll.vote",
      data: {
        message_id: row?.id ?? null,
        wa_message_id: vote.waMessageId,
        session: session.name,
        voter: vote.voter,
        voter_lid: vote.voterLid,
        options: vote.options,
        at,
      },
      now: ctx.now(),
    });
  });
}

/** The inbox handler for the rich-messaging driver events (reactions and poll votes). */
export async function handleRichEvent(
  ctx: WorkerContext,
  session: InboundSession,
  event: Exclude<DriverEvent, { kind: "ack" } | { kind: "message" }>,
): Promise<void> {
  switch (event.kind) {
    case "reaction":
      return recordReaction(ctx, session, event.reaction);
    case "poll_vote":
      return recordPollVote(ctx, session, event.vote);
    case "group_participants":
      return handleGroupParticipants(ctx, session, event.change);
    case "group_update":
      return handleGroupUpdate(ctx, session, event.change);
    case "call_received":
      return emitCallReceived(ctx, session, event);
  }
}
