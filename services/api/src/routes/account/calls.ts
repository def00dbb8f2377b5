import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context.js";
import { registerAccountSetting } from "./setting.js";

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

type CallPolicy = { reject: boolean; message: string | null };

/** GET/PUT /account/calls (issue 12): `users.call_policy`, read by the worker on each call. */
export function registerCallPolicy(router: OpenAPIHono<AppEnv>) {
  registerAccountSetting<CallPolicy, typeof callPolicySchema>(router, {
    path: "/calls",
    column: "callPolicy",
    schema: callPolicySchema,
    toWire: (policy) => ({
      reject_calls: policy?.reject ?? false,
      message: policy?.message ?? null,
    }),
    fromWire: (body) => ({ reject: body.reject_calls, message: body.message ?? null }),
    summary: "Call policy",
    description:
      "Whether incoming calls on the account's sessions are rejected automatically, and the text answered; applies from the next call on.",
    writeScope: "sessions:manage",
  });
}
