import { z } from "@hono/zod-openapi";
import { ADMIN_ROLES } from "@wagate/contracts";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../domain/auth/passwords.js";

export const passwordField = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH)
  .openapi({ description: `At least ${PASSWORD_MIN_LENGTH} characters.`, format: "password" });

export const loginBody = z
  .object({
    email: z.string().trim().min(1).max(320).openapi({ example: "owner@example.com" }),
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH).openapi({ format: "password" }),
  })
  .openapi("LoginRequest");

export const refreshBody = z
  .object({ refresh_token: z.string().min(1).max(512) })
  .openapi("RefreshRequest");

export const tokenPairSchema = z
  .object({
    access_token: z.string().openapi({ description: "HS256 JWT; send as `Authorization: Bearer`" }),
    refresh_token: z
      .string()
      .openapi({ description: "Opaque; single use: each refresh returns a new one" }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().openapi({ description: "Access token lifetime, seconds" }),
    admin: z.object({ id: z.string(), email: z.string(), role: z.enum(ADMIN_ROLES) }),
  })
  .openapi("TokenPair");

export const meSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(ADMIN_ROLES),
    phone: z.string().nullable(),
    is_active: z.boolean(),
    last_login_at: z.string().nullable(),
    password_changed_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Me");

export const changePasswordBody = z
  .object({
    current_password: z.string().min(1).max(PASSWORD_MAX_LENGTH).openapi({ format: "password" }),
    new_password: passwordField,
  })
  .openapi("ChangePasswordRequest");

export const toTokenPair = (pair: {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  admin: { id: string; email: string; role: (typeof ADMIN_ROLES)[number] };
}) => ({
  access_token: pair.accessToken,
  refresh_token: pair.refreshToken,
  token_type: "Bearer" as const,
  expires_in: pair.expiresIn,
  admin: { id: pair.admin.id, email: pair.admin.email, role: pair.admin.role },
});
