import { randomBytes } from "node:crypto";
import {
  type Database,
  simulatorDeliveries,
  simulatorFailures,
  simulatorLinkedDevices,
} from "@wagate/db";
import { eq, sql } from "drizzle-orm";
import type { SimulatedNetwork } from "./sim-network.js";

export interface SimulatorDeliveryInput {
  /** Our message id (the send's reference). */
  reference: string;
  sessionId: string;
  to: string;
  text: string | null;
}

/**
 * What the simulator driver asks of "WhatsApp's servers": which sessions have a linked phone,
 * and what was delivered. `deliver` of a reference already delivered counts the second send
 * (a duplicate) and returns the first WhatsApp id.
 */
export interface SimulatorServers {
  isLinked(sessionId: string): Promise<boolean>;
  link(sessionId: string, phoneNumber: string, at: Date): Promise<void>;
  unlink(sessionId: string): Promise<void>;
  /** True the first time a reference is seen here (the send fails), false afterwards. */
  failFirstTime(reference: string, at: Date): Promise<boolean>;
  deliver(input: SimulatorDeliveryInput, at: Date): Promise<{ waMessageId: string }>;
  find(reference: string): Promise<{ waMessageId: string } | null>;
}

export const newSimWaMessageId = () => `sim_${randomBytes(10).toString("hex")}`;

/**
 * The servers in Postgres (`simulator_*` tables): shared by every worker process and kept
 * across restarts, so `findSent` is exact across processes and a linked session stays linked.
 */
export function postgresSimulatorServers(db: Database): SimulatorServers {
  return {
    async isLinked(sessionId) {
      const [row] = await db
        .select({ sessionId: simulatorLinkedDevices.sessionId })
        .from(simulatorLinkedDevices)
        .where(eq(simulatorLinkedDevices.sessionId, sessionId));
      return Boolean(row);
    },
    async link(sessionId, phoneNumber, at) {
      await db
        .insert(simulatorLinkedDevices)
        .values({ sessionId, phoneNumber, linkedAt: at })
        .onConflictDoNothing();
    },
    async unlink(sessionId) {
      await db
        .delete(simulatorLinkedDevices)
        .where(eq(simulatorLinkedDevices.sessionId, sessionId));
    },
    async failFirstTime(reference, at) {
      const inserted = await db
        .insert(simulatorFailures)
        .values({ reference, failedAt: at })
        .onConflictDoNothing()
        .returning({ reference: simulatorFailures.reference });
      return inserted.length > 0;
    },
    async deliver(input, at) {
      // One statement: two workers delivering the same reference at once count two sends.
      const [row] = await db
        .insert(simulatorDeliveries)
        .values({
          reference: input.reference,
          sessionId: input.sessionId,
          recipient: input.to,
          text: input.text,
          waMessageId: newSimWaMessageId(),
          firstSentAt: at,
          lastSentAt: at,
        })
        .onConflictDoUpdate({
          target: simulatorDeliveries.reference,
          set: {
            sendCount: sql`${simulatorDeliveries.sendCount} + 1`,
            lastSentAt: at,
          },
        })
        .returning({ waMessageId: simulatorDeliveries.waMessageId });
      if (!row) throw new Error("simulator delivery was not recorded");
      return row;
    },
    async find(reference) {
      const [row] = await db
        .select({ waMessageId: simulatorDeliveries.waMessageId })
        .from(simulatorDeliveries)
        .where(eq(simulatorDeliveries.reference, reference));
      return row ?? null;
    },
  };
}

/** The servers as one process's memory (tests that read the network synchronously). */
export function memorySimulatorServers(network: SimulatedNetwork): SimulatorServers {
  return {
    isLinked: async (sessionId) => network.linkedSessions.has(sessionId),
    link: async (sessionId) => {
      network.linkedSessions.add(sessionId);
    },
    unlink: async (sessionId) => {
      network.linkedSessions.delete(sessionId);
    },
    failFirstTime: async (reference) => {
      if (network.failedOnce.has(reference)) return false;
      network.failedOnce.add(reference);
      return true;
    },
    deliver: async (input, at) => ({ waMessageId: network.deliver(input, at).waMessageId }),
    find: async (reference) => {
      const found = network.find(reference);
      return found ? { waMessageId: found.waMessageId } : null;
    },
  };
}
