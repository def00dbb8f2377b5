import type { EventEmitter } from "node:events";
import type { Driver, KeyMode, MessageType, SendErrorCode } from "@wagate/contracts";

/** Delivery state reported by WhatsApp for a message we sent. */
export type AckStatus = "failed" | "pending" | "sent" | "delivered" | "read";

/**
 * whatsapp-web.js `MessageAck` codes: -1 error, 0 pending, 1 server (sent), 2 device
 * (delivered), 3 read, 4 played (a voice note was played: read for us).
 */
export function ackFromWebjs(code: number): AckStatus | null {
  switch (code) {
    case -1:
      return "failed";
    case 0:
      return "pending";
    case 1:
      return "sent";
    case 2:
      return "delivered";
    case 3:
    case 4:
      return "read";
    default:
      return null;
  }
}

export interface InboundMessage {
  waMessageId: string;
  /** The sender in E.164 (`+213...`). */
  from: string;
  type: MessageType;
  text: string | null;
  at: Date;
}

export interface DriverAck {
  waMessageId: string;
  status: AckStatus;
  at: Date;
}

/** Events every driver emits (the names follow whatsapp-web.js where they exist). */
export interface DriverEvents {
  qr: [qr: string];
  authenticated: [];
  ready: [info: { phoneNumber: string | null }];
  disconnected: [reason: string];
  auth_failure: [message: string];
  ack: [ack: DriverAck];
  message: [message: InboundMessage];
  /** Raw connection state changes (e.g. `CONNECTED`, `CONFLICT`, `recycling`). */
  state: [state: string];
}

export interface SendTextInput {
  /** Recipient in E.164. */
  to: string;
  text: string;
  /** Our message id: the simulator records it, webjs uses it to find an earlier attempt. */
  reference: string;
  replyTo?: string | null;
}

export interface SendMediaInput {
  to: string;
  reference: string;
  media: { data: Buffer; mimeType: string; filename: string | null };
  caption: string | null;
}

export interface SendResult {
  waMessageId: string;
}

/** What a send that may already have gone out looked like (for the crash-window check). */
export interface FindSentInput {
  to: string;
  reference: string;
  text: string | null;
  /** When the earlier attempt started. */
  since: Date;
}

/**
 * A failed send. `permanent` failures fail the message at once (no retry); others are
 * retried with backoff. `rate_limited` pauses the whole session for `retryAfterMs`.
 */
export class SendError extends Error {
  constructor(
    public readonly code: SendErrorCode,
    message: string,
    public readonly permanent: boolean,
    public readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "SendError";
  }
}

/** Why a pairing code could not be had: the API maps `reason` to its answer. */
export type PairingCodeFailure = "unsupported" | "not_waiting" | "failed";

export class PairingCodeError extends Error {
  constructor(
    public readonly reason: PairingCodeFailure,
    message: string,
  ) {
    super(message);
    this.name = "PairingCodeError";
  }
}

/** WhatsApp's 8-character pairing code as the phone shows it: `ABCD-EFGH`. */
export function formatPairingCode(code: string): string {
  const plain = code.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
  if (plain.length !== 8) throw new PairingCodeError("failed", "WhatsApp gave no usable code");
  return `${plain.slice(0, 4)}-${plain.slice(4)}`;
}

export interface WhatsAppDriver extends EventEmitter<DriverEvents> {
  readonly kind: Driver;
  /** Opens the session: emits `qr` until linked, then `authenticated` and `ready`. */
  start(): Promise<void>;
  /** Closes the session and keeps its stored auth (another worker may reopen it). */
  stop(): Promise<void>;
  /** Logs the device out and forgets the stored auth. */
  logout(): Promise<void>;
  sendText(input: SendTextInput): Promise<SendResult>;
  sendMedia(input: SendMediaInput): Promise<SendResult>;
  getState(): Promise<string | null>;
  /** Looks for an earlier attempt of this send that reached WhatsApp (null: not found). */
  findSent(input: FindSentInput): Promise<SendResult | null>;
  /** Drivers with a browser (webjs): resident memory of its process tree in bytes. */
  browserMemoryBytes?(): Promise<number>;
  /** Drivers with a browser: when the current one was opened (ms since the epoch). */
  readonly openedAt?: number;
  /**
   * Drivers that can read chat history (webjs): inbound 1:1 messages received since `since`
   * on recent chats, oldest first, for the backfill after a reconnect.
   */
  fetchMissed?(since: Date): Promise<InboundMessage[]>;
  /**
   * Drivers that can link by phone number: the code (`ABCD-EFGH`) to type on that phone
   * (WhatsApp › Linked devices › Link with phone number), asked while the session waits for
   * a scan; `phone` is E.164. Throws `PairingCodeError` (`not_waiting` outside that stage).
   */
  requestPairingCode?(phone: string): Promise<string>;
  /** Drivers with a browser: replaces it keeping the auth (`disconnected`, then `ready`). */
  recycle?(reason: string): Promise<void>;
}

export interface DriverSession {
  id: string;
  userId: string;
  driver: Driver;
  mode: KeyMode;
}

export type DriverFactory = (session: DriverSession) => WhatsAppDriver;
