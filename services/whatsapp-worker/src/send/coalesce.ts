import {
  type ClaimedMessage,
  type ClaimRequest,
  claimMessages,
  type MessageRow,
  recordMessagesSent,
} from "@wagate/core";
import type { Executor } from "@wagate/db";

interface Request<I, O> {
  items: I[];
  resolve: (results: O[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs `statement` for the items of many callers at once: a request runs at once when fewer
 * than `parallel` statements are running, else it waits and joins every request that came
 * meanwhile in the next statement (up to `maxItems`). So one session alone pays no wait, and
 * 50 sessions sending together share a few statements instead of queueing 50 behind the
 * connection pool. A failed statement fails every request in it.
 */
export class Coalescer<I, O> {
  private waiting: Array<Request<I, O>> = [];
  private running = 0;

  constructor(
    private readonly statement: (items: I[]) => Promise<O[]>,
    private readonly parallel = 2,
    private readonly maxItems = 2000,
  ) {}

  /** The statement's results for `items`, in their order. */
  submit(items: I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.parallel && this.waiting.length > 0) {
      const group: Array<Request<I, O>> = [];
      let size = 0;
      while (this.waiting.length > 0) {
        const next = this.waiting[0]!;
        if (group.length > 0 && size + next.items.length > this.maxItems) break;
        group.push(next);
        size += next.items.length;
        this.waiting.shift();
      }
      this.running += 1;
      void this.statement(group.flatMap((request) => request.items))
        .then((results) => {
          let offset = 0;
          for (const request of group) {
            request.resolve(results.slice(offset, offset + request.items.length));
            offset += request.items.length;
          }
        })
        .catch((error: unknown) => {
          for (const request of group) request.reject(error);
        })
        .finally(() => {
          this.running -= 1;
          this.pump();
        });
    }
  }
}

/** A send WhatsApp accepted, to be recorded `sent` under the claiming token. */
export interface SentRecord {
  messageId: string;
  waMessageId: string;
  token: number;
}

/**
 * The send path's two statements, shared by every session of the worker: claims
 * (`claimMessages`) and `sent` records (`recordMessagesSent`). Each answers per item: the
 * claimed message (or null), the recorded row (or null when fenced or moved on).
 */
export class SendWrites {
  readonly claims: Coalescer<ClaimRequest, ClaimedMessage | null>;
  readonly records: Coalescer<SentRecord, MessageRow | null>;

  constructor(db: Executor, now: () => Date) {
    this.claims = new Coalescer(async (requests) => {
      const claimed = await claimMessages(db, requests, now());
      const byId = new Map(claimed.map((c) => [c.row.id, c]));
      return requests.map((r) => byId.get(r.messageId) ?? null);
    });
    this.records = new Coalescer(async (records) => {
      const rows = await recordMessagesSent(db, records, now());
      const byId = new Map(rows.map((row) => [row.id, row]));
      return records.map((r) => byId.get(r.messageId) ?? null);
    });
  }
}
