import type { ClaimedMessage } from "@wagate/core";
import { optOutRefusal } from "../consent/before-send.js";
import type { WorkerContext } from "../context.js";
import type { SendSession } from "./session.js";

/** Why a claimed message must not be sent: it ends unsent (`endUnsent`, quota refunded once). */
export interface SendRefusal {
  to: "failed" | "cancelled";
  code: string;
  message: string;
}

/**
 * The one place to refuse a claimed message right before it is sent (e.g. a recipient who
 * opted out). Return null to send it. Runs after the claim, before pacing; the processor
 * ends a refused message with `endUnsent` and completes the job.
 */
export async function preSendCheck(
  _ctx: WorkerContext,
  _session: SendSession,
  claimed: ClaimedMessage,
): Promise<SendRefusal | null> {
  return optOutRefusal(claimed);
}
