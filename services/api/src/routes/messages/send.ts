import { toMessageWire } from "@wagate/core";
import type { Context } from "hono";
import { refuseKnownNotOnWhatsapp } from "../../domain/contacts/contacts.js";
import {
  type AcceptedMessage,
  acceptMessage,
  type SendRequest,
} from "../../domain/messages/accept.js";
import { IDEMPOTENCY_KEY_PATTERN } from "../../domain/messages/idempotency.js";
import type { AppEnv } from "../../lib/context.js";
import { validationFailed } from "../../lib/errors.js";

/** The request's `Idempotency-Key` (undefined when absent); a malformed one → 400. */
export function idempotencyKeyOf(c: Context<AppEnv>): string | undefined {
  const key = c.req.header("idempotency-key");
  if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw validationFailed(
      "Idempotency-Key must be 1 to 255 printable ASCII characters",
      { fields: [{ path: "Idempotency-Key", message: "invalid" }] },
      400,
    );
  }
  return key;
}

/** Shared tail of send-text and send-media: idempotency key, accept, 202 with quota headers. */
export async function answerSend(c: Context<AppEnv>, request: SendRequest) {
  const key = idempotencyKeyOf(c);
  const facts = await refuseKnownNotOnWhatsapp(c.get("deps"), c.get("account"), request.to);
  const accepted: AcceptedMessage = await acceptMessage(
    c.get("deps"),
    c.get("account"),
    { ...request, recipientLid: facts.lid },
    { idempotencyKey: key, rateLimit: c.get("rateLimit") },
  );
  for (const [name, value] of Object.entries(accepted.quotaHeaders)) c.header(name, value);
  if (accepted.replayed) c.header("Idempotent-Replayed", "true");
  c.header("Location", `/api/v1/messages/${accepted.row.id}`);
  return toMessageWire(accepted.row, accepted.session);
}
