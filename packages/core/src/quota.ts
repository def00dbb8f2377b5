import type { KeyMode } from "@wagate/contracts";
import type { Redis } from "ioredis";

/**
 * Daily send quota: one unit per accepted send per account, mode and UTC day, counted in
 * Redis. The counter key is `${prefix}:quota:${mode}:${userId}:${YYYY-MM-DD}`; live and test
 * keys never share a counter.
 */

export interface QuotaResult {
  allowed: boolean;
  limit: number;
  /** Units left after this attempt (0 when refused). */
  remaining: number;
  /** Next UTC midnight: when the counter starts again. */
  resetAt: Date;
  /** The UTC day the unit was counted against (`YYYY-MM-DD`); store it to refund later. */
  day: string;
}

export interface QuotaSubject {
  userId: string;
  mode: KeyMode;
}

/** Counter keys outlive their day by this long, so a late refund still finds its counter. */
const KEY_GRACE_SECONDS = 2 * 24 * 3600;

/**
 * INCR only while below the limit: a refused attempt consumes nothing, and Redis runs the
 * script atomically, so concurrent sends never exceed the limit.
 * KEYS[1] counter; ARGV[1] limit; ARGV[2] time to live, seconds (relative, so a moved
 * test clock or a skewed host clock never makes the counter expire at once).
 * Returns {allowed (1/0), used after the call}.
 */
const CONSUME_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[1])
if used >= limit then
  return {0, used}
end
used = redis.call('INCR', KEYS[1])
if used == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return {1, used}
`;

/** DECR that never goes below zero (and never creates a counter). */
const REFUND_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used <= 0 then
  return 0
end
return redis.call('DECR', KEYS[1])
`;

type QuotaScripts = {
  wagateQuotaConsume(key: string, limit: number, ttlSeconds: number): Promise<[number, number]>;
  wagateQuotaRefund(key: string): Promise<number>;
};

/**
 * The scripts as commands of this client: ioredis runs them by SHA (EVALSHA) and sends the
 * text only once, instead of the whole script on every send.
 */
function scripts(redis: Redis): QuotaScripts {
  const client = redis as Redis & Partial<QuotaScripts>;
  if (!client.wagateQuotaConsume) {
    redis.defineCommand("wagateQuotaConsume", { numberOfKeys: 1, lua: CONSUME_SCRIPT });
    redis.defineCommand("wagateQuotaRefund", { numberOfKeys: 1, lua: REFUND_SCRIPT });
  }
  return client as Redis & QuotaScripts;
}

/** `YYYY-MM-DD` of `now` in UTC. */
export const utcDay = (now: Date): string => now.toISOString().slice(0, 10);

/** The next UTC midnight after `now`. */
export function nextUtcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/** Whole seconds from `now` to the next UTC midnight (at least 1). */
export const secondsToUtcMidnight = (now: Date): number =>
  Math.max(1, Math.ceil((nextUtcMidnight(now).getTime() - now.getTime()) / 1000));

export const quotaKey = (prefix: string, subject: QuotaSubject, day: string): string =>
  `${prefix}:quota:${subject.mode}:${subject.userId}:${day}`;

/** Consumes one unit of today's quota when one is left. */
export async function consumeQuota(
  redis: Redis,
  prefix: string,
  input: QuotaSubject & { limit: number; now: Date },
): Promise<QuotaResult> {
  const day = utcDay(input.now);
  const resetAt = nextUtcMidnight(input.now);
  const limit = Math.max(0, Math.floor(input.limit));
  const ttlSeconds = secondsToUtcMidnight(input.now) + KEY_GRACE_SECONDS;
  const [allowed, used] = await scripts(redis).wagateQuotaConsume(
    quotaKey(prefix, input, day),
    limit,
    ttlSeconds,
  );
  return {
    allowed: allowed === 1,
    limit,
    remaining: Math.max(0, limit - used),
    resetAt,
    day,
  };
}

/** Gives back one unit counted against `day` (the day stored with the message); never below 0. */
export async function refundQuota(
  redis: Redis,
  prefix: string,
  input: QuotaSubject & { day: string },
): Promise<void> {
  await scripts(redis).wagateQuotaRefund(quotaKey(prefix, input, input.day));
}

/** Units used today (UTC) by this account in this mode. */
export async function quotaUsed(
  redis: Redis,
  prefix: string,
  input: QuotaSubject & { now: Date },
): Promise<number> {
  const value = await redis.get(quotaKey(prefix, input, utcDay(input.now)));
  return value ? Number(value) : 0;
}
