import { z } from "@hono/zod-openapi";
import { API_KEY_SCOPES, KEY_MODES } from "@wagate/contracts";
import { type ApiKeyRow, isKeyActive } from "../../domain/api-keys/manage.js";
import { listSchema, paginationQuery } from "../../lib/openapi.js";
import { iso } from "../../lib/time.js";

export const apiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_01JB7Z0000000000000000000" }),
    user_id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ example: "wag_live_AbCd1234", description: "Display prefix" }),
    mode: z.enum(KEY_MODES),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    is_active: z.boolean().openapi({ description: "Not revoked and not expired" }),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("ApiKey");

export const createdApiKeySchema = apiKeySchema
  .extend({
    key: z.string().openapi({
      description: "The raw key. Shown only in this answer; store it now.",
      example: "wag_live_…",
    }),
  })
  .openapi("CreatedApiKey");

export const apiKeyListSchema = listSchema(apiKeySchema, "ApiKeyList");

export const apiKeyIdParams = z.object({
  id: z
    .string()
    .openapi({ param: { name: "id", in: "path" }, example: "key_01JB7Z0000000000000000000" }),
});

export const listApiKeysQuery = paginationQuery.extend({
  user_id: z.string().optional().openapi({ description: "Only this account's keys" }),
});

export const createApiKeyBody = z
  .object({
    user_id: z.string().min(1).openapi({ description: "The account; unknown → 422" }),
    name: z.string().trim().min(1).max(200),
    mode: z.enum(KEY_MODES).openapi({
      description: "`live` sends through WhatsApp; `test` through the simulator",
    }),
    expires_at: z.iso
      .datetime({ offset: true })
      .nullable()
      .optional()
      .openapi({ description: "RFC 3339; must be in the future (422 otherwise)" }),
    scopes: z
      .array(z.enum(API_KEY_SCOPES))
      .min(1)
      .optional()
      .openapi({ description: "Default: every scope" }),
  })
  .openapi("CreateApiKeyRequest");

export const toApiKey = (row: ApiKeyRow, now: Date) => ({
  id: row.id,
  user_id: row.userId,
  name: row.name,
  prefix: row.prefix,
  mode: row.mode,
  scopes: row.scopes as (typeof API_KEY_SCOPES)[number][],
  is_active: isKeyActive(row, now),
  expires_at: iso(row.expiresAt),
  last_used_at: iso(row.lastUsedAt),
  revoked_at: iso(row.revokedAt),
  created_at: row.createdAt.toISOString(),
});
