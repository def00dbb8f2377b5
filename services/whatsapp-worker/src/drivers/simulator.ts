import { createHash, randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { KeyMode } from "@wagate/contracts";
import { type SimulatedNetwork, simulatedNetwork } from "./sim-network.js";
import {
  type DriverEvents,
  type FindSentInput,
  SendError,
  type SendMediaInput,
  type SendResult,
  type SendTextInput,
  type WhatsAppDriver,
} from "./types.js";

export type SimulatorProfile = "normal" | "fast";

export interface SimulatorOptions {
  sessionId: string;
  /** The session's key mode: anything but `test` is refused. */
  mode: KeyMode;
  /** `fast`: near-zero delays (tests, benchmarks). Default `normal`. */
  profile?: SimulatorProfile;
  /** How long the QR shows before the session links. Default 2000 (fast: 10). */
  linkDelayMs?: number;
  /** How often the QR string rotates. Default 20000. */
  qrRotateMs?: number;
  /** Delays after a send before each ack. Default 300/1500/4000 ms (fast: 1/2/3 ms). */
  ackDelays?: { sent: number; delivered: number; read: number };
  /** Delay before the simulated recipient answers an `echo ...` message. Default 500 (fast: 5). */
  replyDelayMs?: number;
  network?: SimulatedNetwork;
  now?: () => Date;
}

/**
 * Magic recipients (API.md): `...0000` is not on WhatsApp, `...0001` is sent but never
 * delivered, `...0002` fails once (transient) then succeeds.
 * A text starting with `echo ` makes the recipient reply with the rest of the text.
 */
export const SIM_MAGIC = { notOnWhatsApp: "0000", neverDelivered: "0001", failOnce: "0002" };

/** The phone number a simulator session links as: stable per session id. */
export function simulatedPhoneNumber(sessionId: string): string {
  const digits = BigInt(`0x${createHash("sha256").update(sessionId).digest("hex").slice(0, 12)}`)
    .toString()
    .padStart(8, "0")
    .slice(-8);
  return `+1555${digits}`;
}

/** An in-process WhatsApp stand-in with the same events as the webjs driver. */
export class SimulatorDriver extends EventEmitter<DriverEvents> implements WhatsAppDriver {
  readonly kind = "simulator" as const;
  private readonly timers = new Set<NodeJS.Timeout>();
  private qrTimer: NodeJS.Timeout | undefined;
  private state: "stopped" | "qr" | "ready" = "stopped";
  private readonly network: SimulatedNetwork;
  private readonly opts: Required<Omit<SimulatorOptions, "network" | "now" | "profile">>;
  private readonly now: () => Date;
  readonly phoneNumber: string;

  constructor(options: SimulatorOptions) {
    super();
    if (options.mode !== "test") {
      throw new Error("the simulator driver serves test-mode sessions only");
    }
    const fast = options.profile === "fast";
    this.opts = {
      sessionId: options.sessionId,
      mode: options.mode,
      linkDelayMs: options.linkDelayMs ?? (fast ? 10 : 2000),
      qrRotateMs: options.qrRotateMs ?? 20_000,
      ackDelays:
        options.ackDelays ??
        (fast ? { sent: 1, delivered: 2, read: 3 } : { sent: 300, delivered: 1500, read: 4000 }),
      replyDelayMs: options.replyDelayMs ?? (fast ? 5 : 500),
    };
    this.network = options.network ?? simulatedNetwork;
    this.now = options.now ?? (() => new Date());
    this.phoneNumber = simulatedPhoneNumber(options.sessionId);
  }

  async start(): Promise<void> {
    this.emit("state", "OPENING");
    if (this.network.linkedSessions.has(this.opts.sessionId)) {
      // Stored auth: reopen without a QR.
      this.later(0, () => this.link());
      return;
    }
    this.state = "qr";
    const showQr = () =>
      this.emit("qr", `sim:${this.opts.sessionId}:${randomBytes(12).toString("base64url")}`);
    this.later(0, showQr);
    this.qrTimer = setInterval(showQr, this.opts.qrRotateMs);
    this.later(this.opts.linkDelayMs, () => this.link());
  }

  private link(): void {
    clearInterval(this.qrTimer);
    this.network.linkedSessions.add(this.opts.sessionId);
    this.state = "ready";
    this.emit("authenticated");
    this.emit("state", "CONNECTED");
    this.emit("ready", { phoneNumber: this.phoneNumber });
  }

  async stop(): Promise<void> {
    this.clearTimers();
    this.state = "stopped";
  }

  async logout(): Promise<void> {
    this.clearTimers();
    this.network.linkedSessions.delete(this.opts.sessionId);
    this.state = "stopped";
    this.emit("disconnected", "LOGOUT");
  }

  async getState(): Promise<string | null> {
    return this.state === "ready" ? "CONNECTED" : this.state === "qr" ? "UNPAIRED" : null;
  }

  async findSent(input: FindSentInput): Promise<SendResult | null> {
    const found = this.network.find(input.reference);
    return found ? { waMessageId: found.waMessageId } : null;
  }

  async sendText(input: SendTextInput): Promise<SendResult> {
    return this.send(input.to, input.reference, input.text);
  }

  async sendMedia(input: SendMediaInput): Promise<SendResult> {
    return this.send(input.to, input.reference, input.caption);
  }

  private send(to: string, reference: string, text: string | null): SendResult {
    if (this.state !== "ready") {
      throw new SendError("session_not_ready", "the session is not connected", false);
    }
    if (to.endsWith(SIM_MAGIC.notOnWhatsApp)) {
      throw new SendError("not_on_whatsapp", "the recipient is not on WhatsApp", true);
    }
    if (to.endsWith(SIM_MAGIC.failOnce) && !this.network.failedOnce.has(reference)) {
      this.network.failedOnce.add(reference);
      throw new SendError("send_failed", "simulated transient failure", false);
    }
    const delivery = this.network.deliver(
      { reference, sessionId: this.opts.sessionId, to, text },
      this.now(),
    );
    const waMessageId = delivery.waMessageId;
    const { sent, delivered, read } = this.opts.ackDelays;
    this.later(sent, () => this.emit("ack", { waMessageId, status: "sent", at: this.now() }));
    if (!to.endsWith(SIM_MAGIC.neverDelivered)) {
      this.later(delivered, () =>
        this.emit("ack", { waMessageId, status: "delivered", at: this.now() }),
      );
      this.later(read, () => this.emit("ack", { waMessageId, status: "read", at: this.now() }));
    }
    if (text?.startsWith("echo ")) {
      const reply = text.slice(5);
      this.later(this.opts.replyDelayMs, () =>
        this.emit("message", {
          waMessageId: `sim_in_${randomBytes(10).toString("hex")}`,
          from: to,
          type: "text",
          text: reply,
          at: this.now(),
        }),
      );
    }
    return { waMessageId };
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private clearTimers(): void {
    clearInterval(this.qrTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
