import { z } from "@hono/zod-openapi";
import { sessionWireSchema } from "@wagate/contracts";
import { DEFAULT_SESSION_NAME, SESSION_NAME_PATTERN } from "../../domain/sessions/keys.js";
import { listSchema } from "../../lib/openapi.js";
import { phoneField } from "../admins/schema.js";

// Rebuilt with the OpenAPI-aware `z`: contract schemas are made before it extends zod.
export const sessionSchema = z.object(sessionWireSchema.shape).openapi("Session");
export const sessionListSchema = listSchema(sessionSchema, "SessionList");

const sessionName = z
  .string()
  .regex(
    SESSION_NAME_PATTERN,
    "letters, digits, `_`, `.` and `-`, at most 64, starting with a letter or digit",
  )
  .openapi({
    example: DEFAULT_SESSION_NAME,
    description: `Session name; \`${DEFAULT_SESSION_NAME}\` when omitted`,
  });

export const sessionQuery = z.object({ session: sessionName.optional() });

/** The session a request names: the body's `session`, else `?session=`, else `default`. */
export const requestedSession = (
  query: { session?: string | undefined },
  body?: { session?: string | undefined },
): string => body?.session ?? query.session ?? DEFAULT_SESSION_NAME;

/** Body of init/disconnect: optional, `session` may also come from `?session=`. */
export const sessionCommandBody = z
  .object({ session: sessionName.optional() })
  .openapi("SessionCommand");

/** Body of POST /sessions/pairing-code. */
export const sessionPairingCodeBody = z
  .object({
    phone: phoneField.openapi({
      description: "The phone to link, international form (E.164)",
      example: "+213661234567",
    }),
    session: sessionName.optional(),
  })
  .openapi("SessionPairingCodeRequest");

export const qrJsonSchema = z
  .object({
    qr: z.string().openapi({ description: "The raw pairing string encoded in the QR" }),
    data_url: z.string().openapi({ description: "`data:image/png;base64,…` of the QR" }),
    expires_at: z.string().nullable(),
  })
  .openapi("SessionQr");
