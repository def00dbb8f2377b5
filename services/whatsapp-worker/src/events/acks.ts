import { applyMessageAck, type MessageAck, type MessageRow, toMessageWire } from "@wagate/core";
import type { WorkerContext } from "../context.js";
import type { DriverAck } from "../drivers/types.js";
import type { SendSession } from "../send/session.js";
import type { AckResult } from "./ack-batch.js";
import { emitAlone, withEvents } from "./emit.js";

const PENDING_ACK_TTL_MS = 60_000;

type AppliedStatus = "delivered" | "read" | "failed";

/**
 * Applies a session's acks to its messages, found by `(session_id, wa_message_id)` in the
 * update itself (no read first; status only moves forward). With no webhook subscribed to
 * `message.status` (cached, `ctx.webhookSubscriptions`) an ack joins the worker's
 * `AckBatch` (one statement per short window for every session, no transaction) and is
 * announced on the live feed after; with one, the change and its `message.status` event are
 * one transaction, one ack at a time in arrival order, so a failed ack (Postgres away) can be
 * applied again later (`EventInbox`) without losing or doubling the event. An ack that beats
 * the processor's `sent` update is kept (60 s) and applied once `flush` says the send is
 * recorded; kept acks that fail then go to `park`.
 */
export class AckApplier {
  private readonly pending = new Map<string, { acks: DriverAck[]; at: number }>();
  /**
   * WhatsApp ids known to have their row: `sent` recorded here lately, or found by an ack
   * (an ack missing one looks again; acks of one go straight to the batch).
   */
  private readonly recorded = new Map<string, number>();
  private chain: Promise<unknown> = Promise.resolve();
  private prunedAt = 0;
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: WorkerContext,
    private readonly session: SendSession,
    private readonly park: (ack: DriverAck) => void,
  ) {}

  /** Applies a driver ack; rejects when Postgres fails (the inbox parks and replays it). */
  push(ack: DriverAck): Promise<void> {
    // `sent` is recorded by the processor from the send's answer (with the wa id); the ack
    // of it adds nothing, and one for an unknown id cannot be matched anyway.
    if (ack.status === "pending" || ack.status === "sent") return Promise.resolve();
    return this.apply(ack, false);
  }

  /** Called once a send is recorded: applies the acks that beat it (parks them on failure). */
  flush(waMessageId: string): Promise<void> {
    this.recorded.set(waMessageId, Date.now());
    this.prune();
    if (!this.pending.has(waMessageId) && !this.inFlight.has(waMessageId)) {
      return Promise.resolve();
    }
    return this.inOrderOf(waMessageId, async () => {
      const entry = this.pending.get(waMessageId);
      if (!entry) return;
      this.pending.delete(waMessageId);
      // Written together: a `delivered` and a `read` kept here share one update.
      await Promise.all(
        entry.acks.map((ack) => this.applyNow(ack, false).catch(() => this.park(ack))),
      );
    });
  }

  private applyAll(acks: DriverAck[]): Promise<void> {
    return Promise.all(acks.map((ack) => this.apply(ack, false).catch(() => this.park(ack)))).then(
      () => {},
    );
  }

  /**
   * Applies acks of one message one after the other (an ack that finds no row must be kept
   * before the next one of that message is written); different messages go in parallel.
   */
  private apply(ack: DriverAck, lookedAgain: boolean): Promise<void> {
    // A message known to exist needs no waiting: its acks go straight to the batch, which
    // keeps their order (and merges a `delivered` + `read` of one window).
    if (this.recorded.has(ack.waMessageId) && !this.inFlight.has(ack.waMessageId)) {
      return this.applyNow(ack, lookedAgain);
    }
    return this.inOrderOf(ack.waMessageId, () => this.applyNow(ack, lookedAgain));
  }

  private inOrderOf(waMessageId: string, fn: () => Promise<void>): Promise<void> {
    const previous = this.inFlight.get(waMessageId);
    const run = (previous ? previous.catch(() => {}) : Promise.resolve()).then(fn);
    this.inFlight.set(waMessageId, run);
    void run
      .catch(() => {})
      .finally(() => {
        if (this.inFlight.get(waMessageId) === run) this.inFlight.delete(waMessageId);
      });
    return run;
  }

  private async applyNow(ack: DriverAck, lookedAgain: boolean): Promise<void> {
    const waiting = this.pending.get(ack.waMessageId);
    if (waiting) {
      // Earlier acks of this id wait for the send to be recorded: queue behind them.
      waiting.acks.push(ack);
      return;
    }
    if (
      !this.recorded.has(ack.waMessageId) &&
      this.ctx.ackBatch.isRecording(this.session.sessionId, ack.waMessageId)
    ) {
      // Its send is being recorded right now: wait for `flush` rather than look in vain.
      this.keep(ack);
      return;
    }
    const result = await this.write(ack);
    if (result.found) {
      this.recorded.set(ack.waMessageId, Date.now());
      // Acks of this id kept meanwhile (a send recorded by another process): apply them too.
      const kept = this.pending.get(ack.waMessageId);
      if (kept) {
        this.pending.delete(ack.waMessageId);
        void this.applyAll(kept.acks);
      }
      return;
    }
    if (this.recorded.has(ack.waMessageId) && !lookedAgain) {
      // The send was recorded after the statement looked: look once more.
      await this.applyNow(ack, true);
      return;
    }
    this.keep(ack);
  }

  private keep(ack: DriverAck): void {
    const entry = this.pending.get(ack.waMessageId) ?? { acks: [], at: Date.now() };
    entry.acks.push(ack);
    this.pending.set(ack.waMessageId, entry);
    this.prune();
  }

  /** Writes one ack, batched or in a transaction with its event; reports what it did. */
  private async write(ack: DriverAck): Promise<AckResult> {
    const input: MessageAck = {
      sessionId: this.session.sessionId,
      waMessageId: ack.waMessageId,
      status: ack.status as AppliedStatus,
      at: ack.at,
    };
    if (!(await this.hooked())) {
      const result = await this.ctx.ackBatch.submit(input);
      if (result.moved && result.row) await this.settle(ack, result.row, true);
      return result;
    }
    const run = this.chain.then(() =>
      withEvents(this.ctx, async (tx, emit) => {
        const outcome = await applyMessageAck(tx, input);
        if (outcome.row) {
          await emit({
            userId: outcome.row.userId,
            type: "message.status",
            data: toMessageWire(outcome.row, this.session.wire()),
            now: this.ctx.now(),
          });
        }
        return outcome;
      }),
    );
    this.chain = run.catch(() => {});
    const outcome = await run;
    if (outcome.row) await this.settle(ack, outcome.row, false);
    return { found: outcome.found, row: outcome.row, moved: outcome.row !== null };
  }

  /** True when the account has a webhook for `message.status` (no database on a cache hit). */
  private async hooked(): Promise<boolean> {
    const userId = this.session.userId;
    if (!userId) return true;
    const targets = await this.ctx.webhookSubscriptions.targets(
      this.ctx.db,
      userId,
      "message.status",
    );
    return targets.length > 0;
  }

  /** Counts a status an ack reached and, for a batched ack, announces it. */
  private async settle(ack: DriverAck, row: MessageRow, announce: boolean): Promise<void> {
    const status = ack.status as AppliedStatus;
    // A `delivered` merged with a later `read` is announced as it was when delivered.
    const reached: MessageRow =
      row.status === status ? row : { ...row, status, readAt: null, failedAt: null };
    this.ctx.metrics.messages.inc({ status, error_code: reached.errorCode ?? "" });
    if ((status === "delivered" || status === "read") && reached.sentAt) {
      this.ctx.metrics.ackLatency.observe(
        { status },
        Math.max(0, (ack.at.getTime() - reached.sentAt.getTime()) / 1000),
      );
    }
    if (!announce) return;
    try {
      await emitAlone(this.ctx, {
        userId: reached.userId,
        type: "message.status",
        data: toMessageWire(reached, this.session.wire()),
        now: this.ctx.now(),
      });
    } catch (error) {
      this.ctx.logger.warn({ err: error, messageId: row.id }, "message.status not announced");
    }
  }

  private prune(): void {
    // At most once a second: a busy session flushes hundreds of sends a second, and walking
    // every kept ack each time was most of this class's garbage.
    const now = Date.now();
    if (now - this.prunedAt < 1000) return;
    this.prunedAt = now;
    const cutoff = now - PENDING_ACK_TTL_MS;
    for (const [id, entry] of this.pending) if (entry.at < cutoff) this.pending.delete(id);
    for (const [id, at] of this.recorded) {
      if (at >= cutoff) break;
      this.recorded.delete(id);
    }
  }
}
