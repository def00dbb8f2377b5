import type { AppDeps } from "../../lib/context.js";
import { ConflictError } from "../errors.js";
import { askSessionOwner, ownerUnavailable } from "./ask-owner.js";
import type { SessionRow } from "./find.js";

/** How long the API waits for the owning worker's answer before 503. */
export const PAIRING_CODE_WAIT_MS = 10_000;

type PairingCodeReply =
  | { ok: true; code: string }
  | {
      ok: false;
      reason: "unsupported" | "not_waiting" | "failed";
      message?: string;
      /** The session's status on its owner. */
      status?: string;
    };

const notWaiting = (session: SessionRow, status: string = session.status) =>
  new ConflictError(`session "${session.name}" is not waiting to be linked (status ${status})`, {
    status,
  });

/**
 * Asks the worker that owns the session for a pairing code for `phone` (E.164), to type on
 * that phone instead of scanning the QR, through `askSessionOwner` (`{action:
 * "pairing_code", phone}`, at most `waitMs`). 409 when the session is not waiting for a scan or
 * its driver cannot link by phone; 503 (`Retry-After`) when no owner answers in time.
 */
export async function requestPairingCode(
  deps: AppDeps,
  session: SessionRow,
  phone: string,
  waitMs = PAIRING_CODE_WAIT_MS,
): Promise<string> {
  if (session.status !== "qr") throw notWaiting(session);
  const reply = await askSessionOwner<PairingCodeReply>(
    deps,
    session.id,
    { action: "pairing_code", phone },
    {
      waitMs,
      unreadable: { ok: false, reason: "failed", message: "unreadable answer from the worker" },
    },
  );
  if (!reply) {
    throw ownerUnavailable("no worker answered for this session in time; retry shortly");
  }
  if (reply.ok && typeof reply.code === "string") return reply.code;
  if (!reply.ok && reply.reason === "unsupported") {
    throw new ConflictError(
      `pairing codes are not supported by the ${session.driver} driver; scan the QR code instead`,
      { reason: "pairing_code_unsupported", driver: session.driver },
    );
  }
  if (!reply.ok && reply.reason === "not_waiting") {
    throw notWaiting(session, reply.status ?? session.status);
  }
  throw ownerUnavailable(
    `WhatsApp gave no pairing code${!reply.ok && reply.message ? ` (${reply.message})` : ""}; retry shortly or scan the QR code`,
  );
}
