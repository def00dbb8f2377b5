import { z } from "@hono/zod-openapi";
import type { PhonePrefixRow } from "../../domain/phone/prefixes.js";
import { listSchema } from "../../lib/openapi.js";

export const phonePrefixSchema = z
  .object({
    id: z.string().openapi({ example: "pfx_01J9Z8Q4X3M2N1P0R9S8T7V6W5" }),
    prefix: z.string().openapi({ example: "+2136" }),
    carrier: z.string().nullable().openapi({ example: "Mobilis" }),
    country: z.string().nullable().openapi({ example: "DZ" }),
    allowed: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("PhonePrefix");

export const phonePrefixListSchema = listSchema(phonePrefixSchema, "PhonePrefixList");

export const createPhonePrefixBody = z
  .object({
    prefix: z
      .string()
      .transform((v) => v.replace(/[\s-]/g, ""))
      .pipe(z.string().regex(/^\+[0-9]{1,15}$/, "must be + followed by 1 to 15 digits"))
      .openapi({
        example: "+2136",
        description: "E.164 prefix with the plus; spaces and dashes are dropped",
      }),
    carrier: z.string().trim().min(1).max(100).nullish().openapi({ example: "Mobilis" }),
    country: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166-1 alpha-2 code")
      .transform((v) => v.toUpperCase())
      .nullish()
      .openapi({ example: "DZ" }),
    allowed: z.boolean().default(true),
  })
  .openapi("CreatePhonePrefix");

export const toPhonePrefix = (row: PhonePrefixRow): z.infer<typeof phonePrefixSchema> => ({
  id: row.id,
  prefix: row.prefix,
  carrier: row.carrier,
  country: row.country,
  allowed: row.allowed,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});
