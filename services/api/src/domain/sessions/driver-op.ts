import type { DriverOp, DriverOpReply } from "@wagate/contracts";
import type { AppDeps } from "../../lib/context.js";
import { ConflictError, NotFoundError } from "../errors.js";
import { askSessionOwner, ownerUnavailable } from "./ask-owner.js";
import type { SessionRow } from "./find.js";

/** How long the API waits for the owning worker's answer before 503. */
export const DRIVER_OP_WAIT_MS = 15_000;

/**
 * Runs an operation on the driver of the worker that owns the session (issue 12: react,
 * edit, revoke, number checks), through `askSessionOwner` (`{action: "driver_op",
 * request}`, at most `waitMs`). Nobody answering → 503 (`Retry-After: 5`); the
 * session not connected → 409 `details.reason: session_not_ready`; a driver that cannot →
 * 409 `unsupported`; a group the session is not in → 404; WhatsApp refusing → 409 `whatsapp_refused` with its message.
 */
export async function runDriverOp(
  deps: AppDeps,
  session: SessionRow,
  request: DriverOp,
  waitMs = DRIVER_OP_WAIT_MS,
): Promise<Extract<DriverOpReply, { ok: true }>["result"]> {
  if (session.status !== "ready") {
    throw new ConflictError(
      `session "${session.name}" is not connected (status ${session.status})`,
      {
        reason: "session_not_ready",
        status: session.status,
      },
    );
  }
  const reply = await askSessionOwner<DriverOpReply>(
    deps,
    session.id,
    { action: "driver_op", request },
    {
      waitMs,
      unreadable: { ok: false, reason: "failed", message: "unreadable answer from the worker" },
    },
  );
  if (!reply) throw ownerUnavailable("no worker answered for this session in time; retry shortly");
  if (reply.ok) return reply.result ?? {};
  if (reply.reason === "not_ready") {
    throw new ConflictError(`session "${session.name}" is not connected`, {
      reason: "session_not_ready",
    });
  }
  if (reply.reason === "not_found") throw new NotFoundError("group not found");
  if (reply.reason === "unsupported") {
    throw new ConflictError(reply.message, { reason: "unsupported", driver: session.driver });
  }
  throw new ConflictError(`WhatsApp refused: ${reply.message}`, { reason: "whatsapp_refused" });
}
