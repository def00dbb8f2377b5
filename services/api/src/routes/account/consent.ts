import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import { DEFAULT_OPT_IN_KEYWORDS, DEFAULT_OPT_OUT_KEYWORDS } from "@wagate/core";
import type { ConsentSettings } from "@wagate/db";
import type { AppEnv } from "../../lib/context.js";
import { registerAccountSetting } from "./setting.js";

const keywords = (what: string) =>
  z
    .array(z.string().trim().min(1).max(64))
    .min(1)
    .max(20)
    .openapi({
      description: `Whole inbound messages that ${what} (case, accents and surrounding punctuation ignored)`,
    });

const reply = (what: string) =>
  z
    .string()
    .min(1)
    .max(1024)
    .nullable()
    .openapi({
      description: `Text sent back after a keyword ${what} (null: none)`,
    });

const consentSchema = z
  .object({
    opt_out_keywords: keywords("opt the sender out"),
    opt_in_keywords: keywords("opt the sender back in"),
    opt_out_reply: reply("opt-out"),
    opt_in_reply: reply("opt-in"),
  })
  .strict()
  .refine((body) => !body.opt_out_keywords.some((word) => body.opt_in_keywords.includes(word)), {
    message: "a keyword cannot both opt out and opt in",
    path: ["opt_in_keywords"],
  })
  .openapi("ConsentSettings");

/** GET/PUT /account/consent (issue 13): the keywords and confirmation texts (`users.consent`). */
export function registerConsentSettings(router: OpenAPIHono<AppEnv>) {
  registerAccountSetting<ConsentSettings, typeof consentSchema>(router, {
    path: "/consent",
    column: "consent",
    schema: consentSchema,
    toWire: (stored) => ({
      opt_out_keywords: stored?.opt_out_keywords ?? [...DEFAULT_OPT_OUT_KEYWORDS],
      opt_in_keywords: stored?.opt_in_keywords ?? [...DEFAULT_OPT_IN_KEYWORDS],
      opt_out_reply: stored?.opt_out_reply ?? null,
      opt_in_reply: stored?.opt_in_reply ?? null,
    }),
    fromWire: (body) => body,
    summary: "Consent keywords",
    description:
      "The inbound keywords that opt a sender out of (or back into) the account's messages, and the confirmation texts sent back; applies to the next inbound message.",
    writeScope: "messages:send",
  });
}
