import type { KeyMode } from "@wagate/contracts";
import { type Executor, idAtTime, messages } from "@wagate/db";
import { and, count, eq, gte, isNull } from "drizzle-orm";
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
 * script atomically, so concurrent sends never exceed the limit. A counter that does not
 * exist is neither created nor counted: the script answers "missing" (-1), and the caller
 * rebuilds it from Postgres before trying again (Redis may have lost it; see `consumeQuota`).
 * KEYS[1] counter; ARGV[1] limit; ARGV[2] time to live, seconds (relative, so a moved
 * test clock or a skewed host clock never makes the counter expire at once).
 * Returns {status, used}: status 1 allowed, 0 refused, -1 missing (used 0).
 *
 * The body only reads its own KEYS[1]/ARGV[1..2], so a later script that also applies the
 * per-key rate limit can embed it (with its key and arguments from `quotaConsumeCall`) and
 * read its answer with `readQuotaReply`: one round trip for both checks.
 */
export const QUOTA_CONSUME_LUA = `
local current = redis.call('GET', KEYS[1])
if not current then
  return {-1, 0}
end
local used = tonumber(current)
local limit = tonumber(ARGV[1])
if used >= limit then
  return {0, used}
end
used = redis.call('INCR', KEYS[1])
return {1, used}
`;

/**
 * Seeds a missing counter with the units Postgres shows for its day, only if it is still
 * missing (SET NX): of concurrent rebuilds one wins, the others count on top of it.
 * KEYS[1] counter; ARGV[1] units used; ARGV[2] time to live, seconds. Returns 1 when set.
 */
const SEED_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then
  return 1
end
return 0
`;

/**
 * Several units at once, all or nothing (a broadcast reserves one per message it writes).
 * KEYS[1] counter; ARGV[1] limit; ARGV[2] units. {1, used} reserved, {0, used} refused,
 * {-1, 0} missing (rebuild first, as for `QUOTA_CONSUME_LUA`).
 */
const RESERVE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then
  return {-1, 0}
end
local used = tonumber(current)
local units = tonumber(ARGV[2])
if used + units > tonumber(ARGV[1]) then
  return {0, used}
end
return {1, redis.call('INCRBY', KEYS[1], units)}
`;

/** DECRBY ARGV[1] that never goes below zero (and never creates a counter). */
const REFUND_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used <= 0 then
  return 0
end
return redis.call('DECRBY', KEYS[1], math.min(used, tonumber(ARGV[1])))
`;

type QuotaScripts = {
  wagateQuotaConsume(key: string, limit: number, ttlSeconds: number): Promise<[number, number]>;
  wagateQuotaReserve(key: string, limit: number, units: number): Promise<[number, number]>;
  wagateQuotaSeed(key: string, used: number, ttlSeconds: number): Promise<number>;
  wagateQuotaRefund(key: string, units: number): Promise<number>;
};

/**
 * The scripts as commands of this client: ioredis runs them by SHA (EVALSHA) and sends the
 * text only once, instead of the whole script on every send.
 */
function scripts(redis: Redis): QuotaScripts {
  const client = redis as Redis & Partial<QuotaScripts>;
  if (!client.wagateQuotaReserve) {
    redis.defineCommand("wagateQuotaConsume", { numberOfKeys: 1, lua: QUOTA_CONSUME_LUA });
    redis.defineCommand("wagateQuotaReserve", { numberOfKeys: 1, lua: RESERVE_SCRIPT });
    redis.defineCommand("wagateQuotaSeed", { numberOfKeys: 1, lua: SEED_SCRIPT });
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

/**
 * Units of `day` that Postgres shows as held: the source a missing counter is rebuilt from
 * (`quotaUnitsFromDb` reads the messages table).
 */
export type QuotaUnitsUsed = (input: QuotaSubject & { day: string }) => Promise<number>;

/** One consume attempt, as a script call: what a combined script passes and reads back. */
export interface QuotaConsumeCall {
  key: string;
  /** ARGV of `QUOTA_CONSUME_LUA`: limit, time to live in seconds. */
  args: [limit: number, ttlSeconds: number];
  day: string;
  limit: number;
  resetAt: Date;
}

export function quotaConsumeCall(
  prefix: string,
  input: QuotaSubject & { limit: number; now: Date },
): QuotaConsumeCall {
  const day = utcDay(input.now);
  const limit = Math.max(0, Math.floor(input.limit));
  const ttlSeconds = secondsToUtcMidnight(input.now) + KEY_GRACE_SECONDS;
  return {
    key: quotaKey(prefix, input, day),
    args: [limit, ttlSeconds],
    day,
    limit,
    resetAt: nextUtcMidnight(input.now),
  };
}

/** The result of `QUOTA_CONSUME_LUA`'s reply, or "missing" when the counter must be rebuilt. */
export function readQuotaReply(
  call: QuotaConsumeCall,
  reply: [number, number],
): QuotaResult | "missing" {
  const [status, used] = reply;
  if (status === -1) return "missing";
  return {
    allowed: status === 1,
    limit: call.limit,
    remaining: Math.max(0, call.limit - used),
    resetAt: call.resetAt,
    day: call.day,
  };
}

/**
 * Consumes one unit of today's quota when one is left. When the day's counter does not
 * exist (first send of the day, or Redis lost it), it is rebuilt first from `unitsUsed`
 * (the units Postgres shows for that day, not refunded) with SET NX, then the consume runs
 * again; concurrent rebuilds seed it once and every send counts on top. So a counter that
 * exists costs one Redis round trip and no database query.
 */
export async function consumeQuota(
  redis: Redis,
  prefix: string,
  input: QuotaSubject & { limit: number; now: Date; unitsUsed: QuotaUnitsUsed },
): Promise<QuotaResult> {
  const call = quotaConsumeCall(prefix, input);
  const run = scripts(redis);
  return withCounter(redis, input, call, async () =>
    readQuotaReply(call, await run.wagateQuotaConsume(call.key, ...call.args)),
  );
}

/**
 * Runs `attempt` against the day's counter; while it answers "missing", rebuilds the counter
 * from `unitsUsed` (SET NX) and runs it again. A counter deleted again between the seed and
 * the retry is rebuilt again; a few tries are plenty (each needs Redis to lose the key again).
 */
async function withCounter<R>(
  redis: Redis,
  input: QuotaSubject & { unitsUsed: QuotaUnitsUsed },
  call: QuotaConsumeCall,
  attempt: () => Promise<R | "missing">,
): Promise<R> {
  for (let tries = 0; ; tries += 1) {
    const result = await attempt();
    if (result !== "missing") return result;
    if (tries >= 3) throw new Error("quota counter keeps disappearing; is Redis evicting keys?");
    const used = await input.unitsUsed({ userId: input.userId, mode: input.mode, day: call.day });
    await scripts(redis).wagateQuotaSeed(call.key, Math.max(0, Math.floor(used)), call.args[1]);
  }
}

export interface QuotaReservation {
  allowed: boolean;
  limit: number;
  /** Units used before this reservation (after it when allowed). */
  used: number;
  /** Units left after the reservation (when refused: left before it). */
  remaining: number;
  /** Units asked for. */
  units: number;
  /** When refused: how many units were missing. */
  missing: number;
  resetAt: Date;
  day: string;
}

/**
 * Reserves `units` of today's quota when all of them are left, nothing otherwise (a
 * broadcast: one unit per message it writes). Same counter and rebuild as `consumeQuota`.
 */
export async function reserveQuotaUnits(
  redis: Redis,
  prefix: string,
  input: QuotaSubject & { limit: number; units: number; now: Date; unitsUsed: QuotaUnitsUsed },
): Promise<QuotaReservation> {
  const call = quotaConsumeCall(prefix, input);
  const run = scripts(redis);
  return withCounter(redis, input, call, async () => {
    const [status, used] = await run.wagateQuotaReserve(call.key, call.limit, input.units);
    if (status === -1) return "missing";
    const allowed = status === 1;
    return {
      allowed,
      limit: call.limit,
      used,
      remaining: Math.max(0, call.limit - used),
      units: input.units,
      missing: allowed ? 0 : Math.max(0, used + input.units - call.limit),
      resetAt: call.resetAt,
      day: call.day,
    };
  });
}

/**
 * `QuotaUnitsUsed` from Postgres: outbound messages of that account and mode whose quota
 * unit was counted on `day` and not given back (`quota_refunded_at` null). A message's id
 * carries a time never earlier than its creation, and its quota day is its creation day, so
 * the scan starts at the ids of the day before (a margin) on the `(user_id, id)` index
 * instead of reading the account's whole history.
 */
export function quotaUnitsFromDb(db: Executor): QuotaUnitsUsed {
  return async ({ userId, mode, day }) => {
    const from = idAtTime("message", new Date(Date.parse(`${day}T00:00:00.000Z`) - 86_400_000));
    const [row] = await db
      .select({ used: count() })
      .from(messages)
      .where(
        and(
          eq(messages.userId, userId),
          gte(messages.id, from),
          eq(messages.quotaDay, day),
          eq(messages.mode, mode),
          eq(messages.direction, "outbound"),
          isNull(messages.quotaRefundedAt),
        ),
      );
    return row?.used ?? 0;
  };
}

/** Gives back one unit counted against `day` (the day stored with the message); never below 0. */
export async function refundQuota(
  redis: Redis,
  prefix: string,
  input: QuotaSubject & { day: string },
): Promise<void> {
  await releaseQuotaUnits(redis, prefix, { ...input, units: 1 });
}

/** Gives back `units` counted against `day` (never below zero). */
export async function releaseQuotaUnits(
  redis: Redis,
  prefix: string,
  input: QuotaSubject & { day: string; units: number },
): Promise<void> {
  if (input.units <= 0) return;
  await scripts(redis).wagateQuotaRefund(quotaKey(prefix, input, input.day), input.units);
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
