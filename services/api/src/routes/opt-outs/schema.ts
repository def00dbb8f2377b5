import { z } from "@hono/zod-openapi";
import { optOutWireSchema } from "@wagate/contracts";
import { listSchema, paginationQuery } from "../../lib/openapi.js";

export const optOutSchema = z
  .object({ id: z.string(), ...optOutWireSchema.shape })
  .openapi("OptOut");
export const optOutListSchema = listSchema(optOutSchema, "OptOutList");

const phone = z.string().min(1).max(40).openapi({
  example: "+213661234567",
  description: "International form; spaces and dashes are tolerated",
});

export const createOptOutBody = z
  .object({ phone, reason: z.string().min(1).max(500).optional() })
  .openapi("CreateOptOut");

export const listOptOutsQuery = paginationQuery.extend({ phone: phone.optional() });
export const deleteOptOutQuery = z.object({ phone });
