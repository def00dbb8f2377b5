import { z } from "@hono/zod-openapi";
import { SESSION_STATUSES } from "@wagate/contracts";
import type { OpenedPairingLink } from "../../domain/pairing/links.js";
import { SESSION_NAME_PATTERN } from "../../domain/sessions/keys.js";
import { phoneField } from "../admins/schema.js";

export const createPairingLinkParams = z.object({
  id: z
    .string()
    .openapi({ param: { name: "id", in: "path" }, example: "usr_01JB7Z0000000000000000000" }),
  name: z
    .string()
    .regex(SESSION_NAME_PATTERN, "letters, digits, `_`, `.` and `-`, at most 64")
    .openapi({ param: { name: "name", in: "path" }, example: "default" }),
});

export const createPairingLinkBody = z
  .object({
    expires_in_seconds: z.number().int().min(60).max(86_400).optional().openapi({
      description: "Lifetime of the link, 60 s to 24 h. Default 900 (15 minutes)",
      example: 900,
    }),
  })
  .openapi("PairingLinkCreate");

export const pairingLinkSchema = z
  .object({
    id: z.string().openapi({ example: "pln_01JB7Z0000000000000000000" }),
    url: z.string().openapi({
      description:
        "The page to hand to the business: `<PUBLIC_URL or this request's origin>/console/pair/<token>`. The token is only in this answer.",
      example: "https://wagate.example.com/console/pair/wpl_…",
    }),
    expires_at: z.string(),
  })
  .openapi("PairingLink");

export const pairingTokenParams = z.object({
  token: z
    .string()
    .max(200)
    .openapi({ param: { name: "token", in: "path" }, example: "wpl_…" }),
});

export const pairingStateSchema = z
  .object({
    session: z.object({
      name: z.string(),
      status: z.enum(SESSION_STATUSES),
      phone_number: z.string().nullable(),
    }),
    expires_at: z.string(),
    used: z.boolean().openapi({
      description:
        "True once the session was seen `ready` through this link (it is linked). This is the last answer the link gives: later opens are 404.",
    }),
    used_at: z.string().nullable(),
  })
  .openapi("PairingState");

export const pairingQrSchema = z
  .object({
    qr: z.string().openapi({ description: "The raw pairing string encoded in the QR" }),
    data_url: z.string().openapi({ description: "`data:image/png;base64,…` of the QR" }),
    expires_at: z.string().nullable(),
  })
  .openapi("PairingQr");

export const pairingCodeBody = z
  .object({
    phone: phoneField.openapi({
      description: "The phone to link, international form",
      example: "+213661234567",
    }),
  })
  .openapi("PairingCodeRequest");

export const pairingCodeSchema = z
  .object({ code: z.string().openapi({ example: "ABCD-EFGH" }) })
  .openapi("PairingCode");

/** What the public pairing page may know: the session's name, status and phone, nothing else. */
export const toPairingState = ({ link, session }: OpenedPairingLink) => ({
  session: {
    name: session.name,
    status: session.status,
    phone_number: session.phoneNumber,
  },
  expires_at: link.expiresAt.toISOString(),
  used: link.usedAt !== null,
  used_at: link.usedAt?.toISOString() ?? null,
});
