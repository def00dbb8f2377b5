import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ResetCallMeta } from "../../domain/password-reset/index.js";
import type { AppEnv } from "../../lib/context.js";
import { clientIp, userAgent } from "../../lib/request.js";
import { passwordField } from "../auth/schema.js";

const requestId = z
  .string()
  .regex(/^prr_[0-9A-Z]{26}$/, "is not a password reset request id")
  .openapi({ example: "prr_01JD5V7Q2M3N4P5R6S7T8V9W0X" });

export const resetRequestBody = z
  .object({
    email: z.string().trim().max(320).pipe(z.email()).openapi({ example: "owner@example.com" }),
    phone: z.string().min(6).max(32).openapi({
      description: "The admin's phone in international form",
      example: "+213661234567",
    }),
  })
  .openapi("PasswordResetRequest");

export const resetAcceptedSchema = z
  .object({ request_id: requestId })
  .openapi("PasswordResetAccepted");

export const resendBody = z.object({ request_id: requestId }).openapi("PasswordResetResend");

export const verifyBody = z
  .object({
    request_id: requestId,
    otp: z
      .string()
      .regex(/^[0-9]{6}$/, "must be 6 digits")
      .openapi({ example: "123456", format: "password" }),
  })
  .openapi("PasswordResetVerify");

export const verifiedSchema = z
  .object({
    reset_token: z.string().openapi({ description: "Single use; send it to /confirm" }),
    expires_in: z.number().int().openapi({ description: "Seconds the reset token stays valid" }),
  })
  .openapi("PasswordResetVerified");

export const confirmBody = z
  .object({ reset_token: z.string().min(1).max(200), new_password: passwordField })
  .openapi("PasswordResetConfirm");

/** Public routes: no credentials. */
export const PUBLIC_SECURITY: Array<Record<string, string[]>> = [];

export const callMeta = (c: Context<AppEnv>): ResetCallMeta => ({
  ip: clientIp(c),
  userAgent: userAgent(c),
  requestId: c.get("requestId") ?? null,
});
