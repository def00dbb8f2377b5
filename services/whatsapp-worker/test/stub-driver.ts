import { EventEmitter } from "node:events";
import type {
  DriverEvents,
  DriverSession,
  SendResult,
  WhatsAppDriver,
} from "../src/drivers/types.js";

/**
 * A driver the test moves by hand: `start()` reports `ready` at once (or fails with
 * `startError`), and the test emits acks, inbound messages and disconnects on it.
 */
export class StubDriver extends EventEmitter<DriverEvents> implements WhatsAppDriver {
  readonly kind = "simulator" as const;
  started = 0;
  stopped = 0;
  /** When each `start()` was called (ms). */
  startedAt: number[] = [];
  startError: Error | null = null;
  /** What `browserMemoryBytes()` reports, and the recycles asked for. */
  memoryBytes = 0;
  openedAt = Date.now();
  recycles: string[] = [];

  constructor(readonly session: DriverSession) {
    super();
  }

  async start(): Promise<void> {
    this.started += 1;
    this.startedAt.push(Date.now());
    if (this.startError) throw this.startError;
    queueMicrotask(() => this.emit("ready", { phoneNumber: "+213555000111" }));
  }
  async stop(): Promise<void> {
    this.stopped += 1;
  }
  async logout(): Promise<void> {}
  async sendText(): Promise<SendResult> {
    return { waMessageId: `wa-${Date.now()}` };
  }
  async sendMedia(): Promise<SendResult> {
    return { waMessageId: `wa-${Date.now()}` };
  }
  async getState(): Promise<string | null> {
    return "CONNECTED";
  }
  async findSent(): Promise<SendResult | null> {
    return null;
  }
  async browserMemoryBytes(): Promise<number> {
    return this.memoryBytes;
  }
  async recycle(reason: string): Promise<void> {
    this.recycles.push(reason);
    this.memoryBytes = 0;
    this.openedAt = Date.now();
    this.emit("disconnected", reason);
    queueMicrotask(() => this.emit("ready", { phoneNumber: "+213555000111" }));
  }
}

/** A driver factory handing out `StubDriver`s; `latest` is the last one made. */
export function stubDrivers() {
  const made: StubDriver[] = [];
  const stubs = {
    made,
    /** Given to every new driver. */
    startError: null as Error | null,
    latest: () => made.at(-1)!,
    of: (sessionId: string) => made.filter((d) => d.session.id === sessionId).at(-1),
    factory: (session: DriverSession) => {
      const driver = new StubDriver(session);
      driver.startError = stubs.startError;
      made.push(driver);
      return driver;
    },
  };
  return stubs;
}
