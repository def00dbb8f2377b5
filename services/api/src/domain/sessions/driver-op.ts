import { randomUUID } from "node:crypto";
import {
  type DriverOp,
  type DriverOpReply,
  sessionCommandChannel,
  sessionReplyChannel,
} from "@wagate/contracts";
import type { AppDeps } from "../../lib/context.js";
import { ApiError, conflict } from "../../lib/errors.js";
import { subscribeChannel } from "./events.js";
import type { SessionRow } from "./find.js";

/** How long the API waits for the owning worker's answer before 503. */
export const DRIVER_OP_WAIT_MS = 15_000;

const unavailable = (message: string) =>
  new ApiError("service_unavailable", message, { headers: { "Retry-After": "5" } });

/**
 * Runs an operation on the driver of the worker that owns the session (issue 12: react,
 * edit, revoke, number checks), request/reply over Redis like the pairing code: subscribe
 * to a fresh reply channel, publish `{sessionId, action: "driver_op", replyId, request}` on
 * `session-cmd`, wait at most `waitMs`. Nobody answering → 503 (`Retry-After: 5`); the
 * session not connected → 409 `details.reason: session_not_ready`; a driver that cannot →
 * 409 `unsupported`; WhatsApp refusing → 409 `whatsapp_refused` with its message.
 */
export async function runDriverOp(
  deps: AppDeps,
  session: SessionRow,
  request: DriverOp,
  waitMs = DRIVER_OP_WAIT_MS,
): Promise<Extract<DriverOpReply, { ok: true }>["result"]> {
  if (session.status !== "ready") {
    throw conflict(`session "${session.name}" is not connected (status ${session.status})`, {
      reason: "session_not_ready",
      status: session.status,
    });
  }
  const replyId = randomUUID();
  let settle: (reply: DriverOpReply | null) => void = () => {};
  const answered = new Promise<DriverOpReply | null>((resolve) => {
    settle = resolve;
  });
  const unsubscribe = await subscribeChannel(
    deps,
    sessionReplyChannel(deps.redisPrefix, replyId),
    (message) => {
      try {
        settle(JSON.parse(message) as DriverOpReply);
      } catch {
        settle({ ok: false, reason: "failed", message: "unreadable answer from the worker" });
      }
    },
  );
  let timer: NodeJS.Timeout | undefined;
  let reply: DriverOpReply | null;
  try {
    const listeners = await deps.redis.publish(
      sessionCommandChannel(deps.redisPrefix),
      JSON.stringify({ sessionId: session.id, action: "driver_op", replyId, request }),
    );
    if (listeners === 0) settle(null);
    timer = setTimeout(() => settle(null), waitMs);
    reply = await answered;
  } finally {
    clearTimeout(timer);
    await unsubscribe();
  }
  if (!reply) throw unavailable("no worker answered for this session in time; retry shortly");
  if (reply.ok) return reply.result ?? {};
  if (reply.reason === "not_ready") {
    throw conflict(`session "${session.name}" is not connected`, { reason: "session_not_ready" });
  }
  if (reply.reason === "unsupported") {
    throw conflict(reply.message, { reason: "unsupported", driver: session.driver });
  }
  throw conflict(`WhatsApp refused: ${reply.message}`, { reason: "whatsapp_refused" });
}
