import { type Database, phonePrefixes } from "@wagate/db";

/** One row of the recipient policy as the decision needs it. */
export interface PrefixRule {
  id: string;
  prefix: string;
  allowed: boolean;
}

export interface PrefixDecision {
  allowed: boolean;
  /** The rule that decided (the longest matching row of the deciding kind), or null. */
  rule: PrefixRule | null;
  reason: "no_rules" | "allowed" | "denied" | "not_in_allow_list";
}

/**
 * The recipient policy (API.md "Phone prefix policy"), for an E.164 number:
 * - no rows at all: every valid number is allowed;
 * - a matching deny row always refuses, whatever allow rows also match (a deny row for
 *   `+2135` inside an allowed `+213` refuses `+2135…`, and an allow row for `+2136` cannot
 *   re-open a denied `+213`);
 * - otherwise, when allow rows exist, the number must match one of them.
 * Among several matching rows of the deciding kind the longest prefix is reported.
 */
export function decidePrefix(rules: readonly PrefixRule[], e164: string): PrefixDecision {
  if (rules.length === 0) return { allowed: true, rule: null, reason: "no_rules" };
  const longest = (candidates: PrefixRule[]) =>
    candidates.reduce<PrefixRule | null>(
      (best, r) => (best && best.prefix.length >= r.prefix.length ? best : r),
      null,
    );
  const matching = rules.filter((r) => e164.startsWith(r.prefix));
  const deny = longest(matching.filter((r) => !r.allowed));
  if (deny) return { allowed: false, rule: deny, reason: "denied" };
  const allow = longest(matching.filter((r) => r.allowed));
  if (allow) return { allowed: true, rule: allow, reason: "allowed" };
  const hasAllowRows = rules.some((r) => r.allowed);
  return hasAllowRows
    ? { allowed: false, rule: null, reason: "not_in_allow_list" }
    : { allowed: true, rule: null, reason: "no_rules" };
}

/** How long a process keeps the table before reading it again (writes here clear it at once). */
export const PREFIX_CACHE_TTL_MS = 5_000;

const cache = new WeakMap<Database, { rules: PrefixRule[]; loadedAt: number }>();

/**
 * The policy rows, cached in-process for `PREFIX_CACHE_TTL_MS`: the table is tiny and read on
 * every send. A write through this process drops the cache at once (`invalidatePrefixCache`);
 * other API replicas see it within the TTL.
 */
export async function loadPrefixRules(db: Database, nowMs = Date.now()): Promise<PrefixRule[]> {
  const hit = cache.get(db);
  if (hit && nowMs - hit.loadedAt < PREFIX_CACHE_TTL_MS) return hit.rules;
  const rows = await db
    .select({ id: phonePrefixes.id, prefix: phonePrefixes.prefix, allowed: phonePrefixes.allowed })
    .from(phonePrefixes);
  cache.set(db, { rules: rows, loadedAt: nowMs });
  return rows;
}

export function invalidatePrefixCache(db: Database): void {
  cache.delete(db);
}

/** Applies the policy to `e164` with the cached rules. */
export async function checkRecipient(db: Database, e164: string): Promise<PrefixDecision> {
  return decidePrefix(await loadPrefixRules(db), e164);
}
