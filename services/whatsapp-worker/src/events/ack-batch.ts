import { MESSAGE_STATUS_RANK } from "@wagate/contracts";
import { applyMessageAcks, type MessageAck, type MessageRow } from "@wagate/core";
import type { Executor } from "@wagate/db";

/** What one ack did to its message. */
export interface AckResult {
  /** A message with that WhatsApp id exists in the session. */
  found: boolean;
  /** This ack's status was newly reached (announce it). */
  moved: boolean;
  /** The row after the statement, when the message moved. */
  row: MessageRow | null;
}

interface Waiting {
  ack: MessageAck;
  resolve: (result: AckResult) => void;
  reject: (error: unknown) => void;
}

export interface AckBatchOptions {
  /** How long the first ack waits for others before the statement runs, ms. Default 2. */
  windowMs?: number;
  /** Most messages per statement. Default 500. */
  maxMessages?: number;
}

/**
 * Writes the acks of every session of this worker in one statement per short window
 * (`applyMessageAcks`): while a statement runs, the next batch gathers. Statements run one at
 * a time, in arrival order, so the acks of one message keep their order. A `delivered` and a
 * `read` of one message in one window become one update (both announced); a `failed` never
 * shares a statement with another ack of its message (the batch is cut before it).
 */
export class AckBatch {
  private waiting: Waiting[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly windowMs: number;
  private readonly maxMessages: number;

  constructor(
    private readonly db: Executor,
    options: AckBatchOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 2;
    this.maxMessages = options.maxMessages ?? 500;
  }

  /** Sends WhatsApp took whose `sent` is being recorded (`session\u0000waId`). */
  private readonly recording = new Set<string>();

  /**
   * Marks a send WhatsApp took and this worker is recording: its acks wait for the record
   * (`AckApplier.flush`) instead of looking for a row that is not there yet, so its
   * `delivered` and `read` can share one update. Call `recorded` once the record ended.
   */
  recordingSent(sessionId: string, waMessageId: string): void {
    this.recording.add(`${sessionId}\u0000${waMessageId}`);
  }

  recorded(sessionId: string, waMessageId: string): void {
    this.recording.delete(`${sessionId}\u0000${waMessageId}`);
  }

  isRecording(sessionId: string, waMessageId: string): boolean {
    return this.recording.has(`${sessionId}\u0000${waMessageId}`);
  }

  submit(ack: MessageAck): Promise<AckResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ack, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.windowMs);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const groups = this.take();
        const items = groups.flatMap((group) => group.items);
        try {
          const outcomes = await applyMessageAcks(
            this.db,
            groups.map((group) => group.ack),
          );
          groups.forEach((group, i) => {
            const outcome = outcomes[i]!;
            // Each ack is announced when it moved the message past where it was before it.
            let reached = outcome.previousStatus ? MESSAGE_STATUS_RANK[outcome.previousStatus] : 0;
            for (const item of group.items) {
              const rank = MESSAGE_STATUS_RANK[item.ack.status];
              const moved =
                outcome.row !== null && (item.ack.status === "failed" || rank > reached);
              reached = Math.max(reached, rank);
              item.resolve({ found: outcome.found, row: outcome.row, moved });
            }
          });
        } catch (error) {
          for (const item of items) item.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** The next statement's acks: one per message, in order, cut before a conflicting one. */
  private take(): Array<{ ack: MessageAck; items: Waiting[] }> {
    const groups = new Map<string, { ack: MessageAck; items: Waiting[] }>();
    let taken = 0;
    for (const item of this.waiting) {
      if (groups.size >= this.maxMessages) break;
      const key = `${item.ack.sessionId}\u0000${item.ack.waMessageId}`;
      const group = groups.get(key);
      if (!group) {
        groups.set(key, { ack: { ...item.ack }, items: [item] });
      } else if (item.ack.status !== "failed" && group.ack.status !== "failed") {
        // delivered then read: one update to read, delivered_at from the delivered ack.
        if (MESSAGE_STATUS_RANK[item.ack.status] > MESSAGE_STATUS_RANK[group.ack.status]) {
          group.ack = {
            ...item.ack,
            ...(group.ack.status === "delivered" ? { deliveredAt: group.ack.at } : {}),
          };
        }
        group.items.push(item);
      } else {
        break;
      }
      taken++;
    }
    this.waiting = this.waiting.slice(taken);
    return [...groups.values()];
  }
}
