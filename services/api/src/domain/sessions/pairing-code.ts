import { randomUUID } from "node:crypto";
import { sessionCommandChannel, sessionReplyChannel } from "@wagate/contracts";
import type { AppDeps } from "../../lib/context.js";
import { ApiError, conflict } from "../../lib/errors.js";
import { subscribeChannel } from "./events.js";
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

const unavailable = (message: string) =>
  new ApiError("service_unavailable", message, { headers: { "Retry-After": "5" } });

const notWaiting = (session: SessionRow, status: string = session.status) =>
  conflict(`session "${session.name}" is not waiting to be linked (status ${status})`, {
    status,
  });

/**
 * Asks the worker that owns the session for a pairing code for `phone` (E.164), to type on
 * that phone instead of scanning the QR. Request/reply over Redis: subscribe to a fresh
 * reply channel, publish `{sessionId, action: "pairing_code", phone, replyId}` on
 * `session-cmd`, wait at most `waitMs`. 409 when the session is not waiting for a scan or
 * its driver cannot link by phone; 503 (`Retry-After`) when no owner answers in time.
 */
export async function requestPairingCode(
  deps: AppDeps,
  session: SessionRow,
  phone: string,
  waitMs = PAIRING_CODE_WAIT_MS,
): Promise<string> {
  if (session.status !== "qr") throw notWaiting(session);
  const replyId = randomUUID();
  let settle: (reply: PairingCodeReply | null) => void = () => {};
  const answered = new Promise<PairingCodeReply | null>((resolve) => {
    settle = resolve;
  });
  const unsubscribe = await subscribeChannel(
    deps,
    sessionReplyChannel(deps.redisPrefix, replyId),
    (message) => {
      try {
        settle(JSON.parse(message) as PairingCodeReply);
      } catch {
        settle({ ok: false, reason: "failed", message: "unreadable answer from the worker" });
      }
    },
  );
  let timer: NodeJS.Timeout | undefined;
  let reply: PairingCodeReply | null;
  try {
    const listeners = await deps.redis.publish(
      sessionCommandChannel(deps.redisPrefix),
      JSON.stringify({ sessionId: session.id, action: "pairing_code", phone, replyId }),
    );
    if (listeners === 0) settle(null);
    timer = setTimeout(() => settle(null), waitMs);
    reply = await answered;
  } finally {
    clearTimeout(timer);
    await unsubscribe();
  }
  if (!reply) {
    throw unavailable("no worker answered for this session in time; retry shortly");
  }
  if (reply.ok && typeof reply.code === "string") return reply.code;
  if (!reply.ok && reply.reason === "unsupported") {
    throw conflict(
      `pairing codes are not supported by the ${session.driver} driver; scan the QR code instead`,
      { reason: "pairing_code_unsupported", driver: session.driver },
    );
  }
  if (!reply.ok && reply.reason === "not_waiting") {
    throw notWaiting(session, reply.status ?? session.status);
  }
  throw unavailable(
    `WhatsApp gave no pairing code${!reply.ok && reply.message ? ` (${reply.message})` : ""}; retry shortly or scan the QR code`,
  );
}
