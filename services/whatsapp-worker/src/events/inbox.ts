import { parkedEventsKey } from "@wagate/contracts";
import type { WorkerContext } from "../context.js";
import type {
  DriverAck,
  GroupChange,
  GroupParticipantsChange,
  InboundCall,
  InboundMessage,
  InboundPollVote,
  InboundReaction,
} from "../drivers/types.js";
import { databaseAnswers, MAX_FAILURES_WHILE_DB_UP, retryDelay, sleep } from "./retry.js";

/** A driver event that must be handled at least once. */
export type DriverEvent =
  | { kind: "ack"; ack: DriverAck }
  | { kind: "message"; message: InboundMessage; backfilled?: boolean }
  | { kind: "reaction"; reaction: InboundReaction }
  | { kind: "poll_vote"; vote: InboundPollVote }
  // Announced only (issue 12): the webhook event is written like the others, so a failed
  // write is parked and replayed instead of lost. A call's rejection already happened.
  | { kind: "group_participants"; change: GroupParticipantsChange }
  | { kind: "group_update"; change: GroupChange }
  | { kind: "call_received"; call: InboundCall; rejected: boolean; replyMessageId: string | null };

/** Most events parked per session in Redis, and in memory while Redis refuses them too. */
export const PARKED_MAX = 10_000;
export const MEMORY_MAX = 1_000;

const encode = (event: DriverEvent) => JSON.stringify(event);

function decode(raw: string): DriverEvent {
  const event = JSON.parse(raw) as DriverEvent;
  if (event.kind === "ack") event.ack.at = new Date(event.ack.at);
  else if (event.kind === "reaction") event.reaction.at = new Date(event.reaction.at);
  else if (event.kind === "poll_vote") event.vote.at = new Date(event.vote.at);
  else if (event.kind === "group_participants" || event.kind === "group_update") {
    event.change.at = new Date(event.change.at);
  } else if (event.kind === "call_received") event.call.at = new Date(event.call.at);
  else event.message.at = new Date(event.message.at);
  return event;
}

/**
 * At-least-once handling of a session's acks and inbound messages. An event is handled at
 * once; if that fails (Postgres away), it is parked in a Redis list under the session
 * (`parkedEventsKey`, survives this process) and replayed in order with backoff until the
 * database answers; while anything is parked, new events queue behind it. Handlers are
 * idempotent (inbound deduplicated by WhatsApp id, acks only move a status forward), so a
 * replay after a crash or by the next owner is harmless. Memory is bounded: when Redis
 * refuses the park too, up to `MEMORY_MAX` events wait in memory. What truly cannot be kept
 * (both full, or an event failing `MAX_FAILURES_WHILE_DB_UP` times while the database
 * answers) is counted in `wagate_worker_events_dropped_total` and logged, never silent.
 */
export class EventInbox {
  private readonly memory: string[] = [];
  private backlog = true; // a previous owner may have parked events: look first
  private draining: Promise<void> | undefined;
  private parks = 0;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly key: string;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly sessionId: string,
    private readonly handle: (event: DriverEvent) => Promise<void>,
  ) {
    this.key = parkedEventsKey(ctx.redisPrefix, sessionId);
  }

  /** Starts replaying what an earlier owner of the session left parked. */
  start(): void {
    this.kick();
  }

  submit(event: DriverEvent): void {
    if (this.backlog) {
      void this.park(event);
      return;
    }
    this.handle(event).catch((error) => {
      this.ctx.logger.warn(
        { err: error, sessionId: this.sessionId, event: event.kind },
        "driver event not recorded; parked for replay",
      );
      void this.park(event);
    });
  }

  /** Events parked in memory only (Redis refused them). */
  get inMemory(): number {
    return this.memory.length;
  }

  private async park(event: DriverEvent): Promise<void> {
    this.backlog = true;
    this.parks += 1;
    const raw = encode(event);
    this.ctx.metrics.eventsParked.inc({ event: event.kind });
    try {
      const length = await this.ctx.redis.rpush(this.key, raw);
      if (length > PARKED_MAX) {
        await this.ctx.redis.lrem(this.key, -1, raw);
        this.drop(event, "parked_full");
      }
    } catch (error) {
      if (this.memory.length < MEMORY_MAX) this.memory.push(raw);
      else this.drop(event, "memory_full", error);
    }
    this.kick();
  }

  private drop(event: DriverEvent, reason: string, error?: unknown): void {
    this.ctx.metrics.eventsDropped.inc({ event: event.kind, reason });
    this.ctx.logger.error(
      { err: error, sessionId: this.sessionId, event, reason },
      "driver event dropped",
    );
  }

  private kick(): void {
    if (this.stopped || this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async next(): Promise<{ raw: string; fromMemory: boolean } | null> {
    if (this.memory.length > 0) return { raw: this.memory[0]!, fromMemory: true };
    const raw = await this.ctx.redis.lindex(this.key, 0);
    return raw === null ? null : { raw, fromMemory: false };
  }

  private async drain(): Promise<void> {
    let attempt = 0;
    let failures = 0;
    while (!this.stopped) {
      const parksBefore = this.parks;
      let item: { raw: string; fromMemory: boolean } | null;
      try {
        item = await this.next();
      } catch {
        await sleep(retryDelay(attempt++), this.abort.signal);
        continue;
      }
      if (!item) {
        // Nothing parked and nothing parked meanwhile: back to handling events at once.
        if (this.parks === parksBefore) {
          this.backlog = false;
          return;
        }
        continue;
      }
      let event: DriverEvent | undefined;
      try {
        event = decode(item.raw);
        await this.handle(event);
      } catch (error) {
        if (this.stopped) return;
        const broken =
          event === undefined ||
          ((await databaseAnswers(this.ctx)) && ++failures >= MAX_FAILURES_WHILE_DB_UP);
        if (!broken) {
          await sleep(retryDelay(attempt++), this.abort.signal);
          continue;
        }
        this.drop(event ?? ({ kind: "unreadable" } as unknown as DriverEvent), "failing", error);
      }
      attempt = 0;
      failures = 0;
      this.ctx.metrics.eventsReplayed.inc({ event: event?.kind ?? "unreadable" });
      if (item.fromMemory) this.memory.shift();
      else await this.removeHead(item.raw);
    }
  }

  /** Removes a replayed event by value (another owner may have replayed the head already). */
  private async removeHead(raw: string): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.ctx.redis.lrem(this.key, 1, raw);
        return;
      } catch {
        await sleep(retryDelay(attempt), this.abort.signal);
      }
    }
  }

  /**
   * Stops replaying (the next owner resumes from Redis). Events held only in memory are
   * parked in Redis if it answers, otherwise counted as dropped.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.draining;
    const held = this.memory.splice(0);
    if (held.length === 0) return;
    try {
      await this.ctx.redis.rpush(this.key, ...held);
    } catch (error) {
      for (const raw of held) this.drop(decode(raw), "stopped", error);
    }
  }
}
