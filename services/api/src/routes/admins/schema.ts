import { z } from "@hono/zod-openapi";
import { ADMIN_ROLES } from "@wagate/contracts";
import type { AdminRow } from "../../domain/admins/manage.js";
import { normalizePhone } from "../../domain/phone/normalize.js";
import { listSchema, paginationQuery } from "../../lib/openapi.js";
import { iso } from "../../lib/time.js";
import { passwordField } from "../auth/schema.js";

/** Optional phone in international form, stored as E.164. */
export const phoneField = z
  .string()
  .max(32)
  .transform((value, ctx) => {
    const normalized = normalizePhone(value);
    if (!normalized.ok) {
      ctx.addIssue({ code: "custom", message: normalized.reason });
      return z.NEVER;
    }
    return normalized.e164;
  })
  .openapi({ example: "+213661234567", type: "string" });

export const emailField = z
  .string()
  .trim()
  .toLowerCase()
  .max(320)
  .pipe(z.email())
  .openapi({ example: "ops@example.com", type: "string" });

export const adminSchema = z
  .object({
    id: z.string().openapi({ example: "adm_01JB7Z0000000000000000000" }),
    email: z.string(),
    role: z.enum(ADMIN_ROLES),
    phone: z.string().nullable(),
    is_active: z.boolean(),
    locked_until: z.string().nullable().openapi({ description: "Set while a login lock lasts" }),
    last_login_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Admin");

export const adminListSchema = listSchema(adminSchema, "AdminList");

export const adminIdParams = z.object({
  id: z
    .string()
    .openapi({ param: { name: "id", in: "path" }, example: "adm_01JB7Z0000000000000000000" }),
});

export const listAdminsQuery = paginationQuery.extend({ role: z.enum(ADMIN_ROLES).optional() });

export const createAdminBody = z
  .object({
    email: emailField,
    password: passwordField,
    role: z.enum(ADMIN_ROLES).openapi({ description: "Only an owner may create an owner" }),
    phone: phoneField.nullable().optional(),
  })
  .openapi("CreateAdminRequest");

export const updateAdminBody = z
  .object({
    email: emailField.optional(),
    role: z.enum(ADMIN_ROLES).optional(),
    phone: phoneField.nullable().optional(),
    is_active: z.boolean().optional(),
    password: passwordField.optional().openapi({
      description: "Sets a new password and ends the admin's sessions",
    }),
  })
  .openapi("UpdateAdminRequest");

/** `locked_until` only while the lock is in force. */
export const toAdmin = (row: AdminRow, now: Date) => ({
  id: row.id,
  email: row.email,
  role: row.role,
  phone: row.phone,
  is_active: row.isActive,
  locked_until: row.lockedUntil && row.lockedUntil > now ? row.lockedUntil.toISOString() : null,
  last_login_at: iso(row.lastLoginAt),
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});
