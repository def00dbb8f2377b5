import { MESSAGE_END_CODES, type OptOutSource, type OptOutWire } from "@wagate/contracts";
import { type ConsentSettings, type Executor, messages, newId, optOuts } from "@wagate/db";
import { and, eq, isNull, like, not, or, type SQL } from "drizzle-orm";
import { Counter, type Registry } from "prom-client";
import { type EndUnsentDeps, endUnsentMany, type MessageRow } from "./message-lifecycle.js";

/**
 * Consent (docs/internals.md "Consent and broadcasts"): the per-account opt-out list, the
 * inbound keywords that change it, and the verbs the API and the worker share.
 */

export const DEFAULT_OPT_OUT_KEYWORDS = ["STOP", "UNSUBSCRIBE", "ARRET"] as const;
export const DEFAULT_OPT_IN_KEYWORDS = ["START"] as const;

/**
 * Idempotency-key prefix of the confirmation texts wagate itself sends after a keyword
 * (rows without an API key): the only messages that may reach an opted-out number.
 */
export const CONSENT_REPLY_KEY_PREFIX = "wagate:consent:";

export type OptOutRow = typeof optOuts.$inferSelect;

/** Upper case, accents and surrounding punctuation/space removed: "  Arrêt ! " → "ARRET". */
export function normalizeKeyword(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toUpperCase()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
}

/** What a whole inbound text means for consent under the account's settings, if anything. */
export function matchConsentKeyword(
  text: string | null,
  settings: ConsentSettings | null | undefined,
): "opt_out" | "opt_in" | null {
  if (!text || text.length > 64) return null;
  const word = normalizeKeyword(text);
  if (!word) return null;
  const outs = (settings?.opt_out_keywords ?? DEFAULT_OPT_OUT_KEYWORDS).map(normalizeKeyword);
  if (outs.includes(word)) return "opt_out";
  const ins = (settings?.opt_in_keywords ?? DEFAULT_OPT_IN_KEYWORDS).map(normalizeKeyword);
  if (ins.includes(word)) return "opt_in";
  return null;
}

export function toOptOutWire(
  row: Pick<OptOutRow, "phone" | "source" | "reason" | "createdAt">,
  sessionName: string | null,
  source: OptOutSource = row.source,
): OptOutWire {
  return {
    phone: row.phone,
    lid: null,
    source,
    reason: row.reason,
    session: sessionName,
    created_at: row.createdAt.toISOString(),
  };
}

/**
 * Puts `phone` on the account's opt-out list. `created` is false when it already was (the
 * existing row is returned, unchanged).
 */
export async function addOptOut(
  db: Executor,
  input: {
    userId: string;
    phone: string;
    source: OptOutSource;
    reason?: string | null;
    sessionId?: string | null;
    now: Date;
  },
): Promise<{ row: OptOutRow; created: boolean }> {
  const [row] = await db
    .insert(optOuts)
    .values({
      id: newId("optOut", input.now.getTime()),
      userId: input.userId,
      phone: input.phone,
      source: input.source,
      reason: input.reason ?? null,
      sessionId: input.sessionId ?? null,
      createdAt: input.now,
      updatedAt: input.now,
    })
    .onConflictDoNothing({ target: [optOuts.userId, optOuts.phone] })
    .returning();
  if (row) return { row, created: true };
  const [existing] = await db
    .select()
    .from(optOuts)
    .where(and(eq(optOuts.userId, input.userId), eq(optOuts.phone, input.phone)));
  if (!existing) throw new Error("opt-out vanished while it was being added");
  return { row: existing, created: false };
}

/** Takes `phone` off the list; the removed row, or null when it was not there. */
export async function removeOptOut(
  db: Executor,
  input: { userId: string; phone: string },
): Promise<OptOutRow | null> {
  const [row] = await db
    .delete(optOuts)
    .where(and(eq(optOuts.userId, input.userId), eq(optOuts.phone, input.phone)))
    .returning();
  return row ?? null;
}

export async function isOptedOut(db: Executor, userId: string, phone: string): Promise<boolean> {
  const [row] = await db
    .select({ id: optOuts.id })
    .from(optOuts)
    .where(and(eq(optOuts.userId, userId), eq(optOuts.phone, phone)))
    .limit(1);
  return !!row;
}

/** A confirmation text wagate sent after a keyword: exempt from the opt-out it confirms. */
export const isConsentReply = (row: Pick<MessageRow, "apiKeyId" | "idempotencyKey">) =>
  row.apiKeyId === null && !!row.idempotencyKey?.startsWith(CONSENT_REPLY_KEY_PREFIX);

const notConsentReply = (): SQL =>
  or(
    isNull(messages.idempotencyKey),
    not(like(messages.idempotencyKey, `${CONSENT_REPLY_KEY_PREFIX}%`)),
  ) as SQL;

/**
 * Fails every queued or scheduled message of the account to `phone` with
 * `recipient_opted_out`, giving their units back (`endUnsentMany`): the opt-out reaches
 * messages accepted before it. Their jobs find the rows ended and do nothing.
 */
export function endMessagesToOptedOut(
  deps: EndUnsentDeps,
  input: {
    userId: string;
    phone: string;
    now: Date;
    announce: (rows: MessageRow[]) => Promise<unknown>;
  },
): Promise<MessageRow[]> {
  return endUnsentMany(
    deps,
    and(
      eq(messages.userId, input.userId),
      eq(messages.recipient, input.phone),
      notConsentReply(),
    ) as SQL,
    {
      to: "failed",
      from: ["queued", "scheduled"],
      error: {
        code: MESSAGE_END_CODES.recipientOptedOut,
        message: "the recipient opted out before this message was sent",
      },
      now: input.now,
      announce: input.announce,
    },
  );
}

/** `wagate_opt_outs_total{source}` on this registry (one counter per registry). */
export function optOutCounter(registry: Registry): Counter<"source"> {
  const existing = registry.getSingleMetric("wagate_opt_outs_total");
  if (existing) return existing as Counter<"source">;
  return new Counter({
    name: "wagate_opt_outs_total",
    help: "Numbers put on an account's opt-out list, by source (api, keyword, admin)",
    labelNames: ["source"],
    registers: [registry],
  });
}
