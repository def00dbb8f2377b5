import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { users } from "@wagate/db";
import { eq } from "drizzle-orm";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";

const callPolicySchema = z
  .object({
    reject_calls: z.boolean().openapi({
      description:
        "Reject incoming WhatsApp calls automatically (a `call.received` webhook says so)",
    }),
    message: z.string().min(1).max(1024).nullable().optional().openapi({
      description:
        "Text answered to a rejected caller, sent like any message (tracked, no quota unit); null for none",
    }),
  })
  .openapi("CallPolicy");

const answer = {
  200: {
    description: "The account's call policy",
    content: { "application/json": { schema: callPolicySchema } },
  },
};

const getRoute = createRoute({
  method: "get",
  path: "/calls",
  tags: ["Account"],
  summary: "Call policy",
  description:
    "Any valid key. Whether incoming calls on the account's sessions are rejected automatically, and the text answered.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount()] as const,
  responses: { ...answer, ...pickErrors(401, 429) },
});

const putRoute = createRoute({
  method: "put",
  path: "/calls",
  tags: ["Account"],
  summary: "Set the call policy",
  description:
    "Scope `sessions:manage`. Applies to every session of the account from the next call on.",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("sessions:manage")] as const,
  request: {
    body: { content: { "application/json": { schema: callPolicySchema } }, required: true },
  },
  responses: { ...answer, ...pickErrors(400, 401, 403, 422, 429) },
});

const toWire = (policy: { reject: boolean; message: string | null } | null | undefined) => ({
  reject_calls: policy?.reject ?? false,
  message: policy?.message ?? null,
});

/** GET/PUT /account/calls (issue 12): `users.call_policy`, read by the worker on each call. */
export function registerCallPolicy(router: OpenAPIHono<AppEnv>) {
  router.openapi(getRoute, async (c) => {
    const [row] = await c
      .get("deps")
      .db.select({ callPolicy: users.callPolicy })
      .from(users)
      .where(eq(users.id, c.get("account").userId));
    return c.json(toWire(row?.callPolicy), 200);
  });
  router.openapi(putRoute, async (c) => {
    const body = c.req.valid("json");
    const policy = { reject: body.reject_calls, message: body.message ?? null };
    await c
      .get("deps")
      .db.update(users)
      .set({ callPolicy: policy })
      .where(eq(users.id, c.get("account").userId));
    return c.json(toWire(policy), 200);
  });
}
