import { randomBytes } from "node:crypto";

export interface SimulatedDelivery {
  /** Our message id, passed to the driver as the send's reference. */
  reference: string;
  sessionId: string;
  to: string;
  text: string | null;
  waMessageId: string;
  at: Date;
}

/**
 * The simulator's stand-in for WhatsApp's servers, shared by every simulator session in
 * the process: it records each message the simulator delivered, keyed by our message id,
 * so tests can assert that a message went out exactly once.
 */
export class SimulatedNetwork {
  private readonly byReference = new Map<string, SimulatedDelivery>();
  private readonly sendCounts = new Map<string, number>();
  /** Sessions that have linked once: they reopen without a new QR (like stored auth). */
  readonly linkedSessions = new Set<string>();
  /** References that already failed once (magic number `0002`). */
  readonly failedOnce = new Set<string>();

  /** Records a delivery; a second send of the same reference is counted, not recorded again. */
  deliver(input: Omit<SimulatedDelivery, "waMessageId" | "at">, at: Date): SimulatedDelivery {
    this.sendCounts.set(input.reference, (this.sendCounts.get(input.reference) ?? 0) + 1);
    const existing = this.byReference.get(input.reference);
    if (existing) return existing;
    const delivery = {
      ...input,
      waMessageId: `sim_${randomBytes(10).toString("hex")}`,
      at,
    };
    this.byReference.set(input.reference, delivery);
    return delivery;
  }

  find(reference: string): SimulatedDelivery | undefined {
    return this.byReference.get(reference);
  }

  /** How many times the driver was asked to deliver this reference (1 = exactly once). */
  sendCount(reference: string): number {
    return this.sendCounts.get(reference) ?? 0;
  }

  deliveries(): SimulatedDelivery[] {
    return [...this.byReference.values()];
  }

  /** References sent more than once. */
  duplicates(): string[] {
    return [...this.sendCounts].filter(([, n]) => n > 1).map(([ref]) => ref);
  }
}

/** The process-wide network every simulator session uses unless given its own. */
export const simulatedNetwork = new SimulatedNetwork();
