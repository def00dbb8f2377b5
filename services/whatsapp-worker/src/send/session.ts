import type { WhatsAppDriver } from "../drivers/types.js";
import type { SessionPacer } from "./pacing.js";

/** The owned session a send job runs in (see `SessionRuntime`). */
export interface SendSession {
  sessionId: string;
  /** The account owning the session (webhook subscriptions, per-account checks). */
  userId?: string;
  /** Fencing token of our lease: stamped on the row; a newer owner's token wins. */
  token: number;
  /** For the wire shape of `message.status` payloads. */
  wire: () => { name: string; phoneNumber: string | null };
  driver: () => WhatsAppDriver;
  pacer: SessionPacer;
  /** Aborted when the session stops or its lease is lost: no new send starts. */
  signal: AbortSignal;
  /** True while the driver is connected; jobs taken otherwise wait without using an attempt. */
  isReady: () => boolean;
  /**
   * How many jobs of the queue one batch may take (claim and record in one statement each):
   * `sendBatchSize` for an unpaced session, else 1.
   */
  batchSize: () => number;
  /** Applies acks that arrived before the send was recorded. */
  flushPendingAcks: (waMessageId: string) => Promise<void>;
}
