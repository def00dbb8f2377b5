import type { Redis } from "ioredis";
import {
  nextUtcMidnight,
  type QuotaSubject,
  type QuotaUnitsUsed,
  quotaKey,
  secondsToUtcMidnight,
  utcDay,
} from "./quota.js";

/**
 * Several quota units at once, all or nothing (a broadcast reserves one unit per message it
 * writes). Same counter and rebuild rule as `consumeQuota`: a missing counter is seeded from
 * Postgres (SET NX) before the reservation runs again.
 */

/** KEYS[1] counter; ARGV[1] limit; ARGV[2] units; ARGV[3] ttl. {status, used}: 1 ok, 0 refused, -1 missing. */
const RESERVE_LUA = `
local current = redis.call('GET', KEYS[1])
if not current then
  return {-1, 0}
end
local used = tonumber(current)
local limit = tonumber(ARGV[1])
local units = tonumber(ARGV[2])
if used + units > limit then
  return {0, used}
end
used = redis.call('INCRBY', KEYS[1], units)
return {1, used}
`;

const SEED_LUA = `
if redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then
  return 1
end
return 0
`;

/** DECRBY that never goes below zero and never creates the counter. */
const RELEASE_LUA = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used <= 0 then
  return 0
end
local units = math.min(used, tonumber(ARGV[1]))
return redis.call('DECRBY', KEYS[1], units)
`;

type BulkScripts = {
  wagateQuotaReserve(
    key: string,
    limit: number,
    units: number,
    ttl: number,
  ): Promise<[number, number]>;
  wagateQuotaReserveSeed(key: string, used: number, ttl: number): Promise<number>;
  wagateQuotaRelease(key: string, units: number): Promise<number>;
};

function scripts(redis: Redis): BulkScripts {
  const client = redis as Redis & Partial<BulkScripts>;
  if (!client.wagateQuotaRelease) {
    redis.defineCommand("wagateQuotaReserve", { numberOfKeys: 1, lua: RESERVE_LUA });
    redis.defineCommand("wagateQuotaReserveSeed", { numberOfKeys: 1, lua: SEED_LUA });
    redis.defineCommand("wagateQuotaRelease", { numberOfKeys: 1, lua: RELEASE_LUA });
  }
  return client as Redis & BulkScripts;
}

const KEY_GRACE_SECONDS = 2 * 24 * 3600;

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

/** Reserves `units` of today's quota when all of them are left; nothing otherwise. */
export async function reserveQuotaUnits(
  redis: Redis,
  prefix: string,
  input: QuotaSubject & { limit: number; units: number; now: Date; unitsUsed: QuotaUnitsUsed },
): Promise<QuotaReservation> {
  const day = utcDay(input.now);
  const key = quotaKey(prefix, input, day);
  const limit = Math.max(0, Math.floor(input.limit));
  const ttl = secondsToUtcMidnight(input.now) + KEY_GRACE_SECONDS;
  const run = scripts(redis);
  for (let attempt = 0; ; attempt += 1) {
    const [status, used] = await run.wagateQuotaReserve(key, limit, input.units, ttl);
    if (status !== -1) {
      const allowed = status === 1;
      return {
        allowed,
        limit,
        used,
        remaining: Math.max(0, limit - used),
        units: input.units,
        missing: allowed ? 0 : Math.max(0, used + input.units - limit),
        resetAt: nextUtcMidnight(input.now),
        day,
      };
    }
    if (attempt >= 3) throw new Error("quota counter keeps disappearing; is Redis evicting keys?");
    const seeded = await input.unitsUsed({ userId: input.userId, mode: input.mode, day });
    await run.wagateQuotaReserveSeed(key, Math.max(0, Math.floor(seeded)), ttl);
  }
}

/** Gives back `units` counted against `day` (never below zero). */
export async function releaseQuotaUnits(
  redis: Redis,
  prefix: string,
  input: QuotaSubject & { day: string; units: number },
): Promise<void> {
  if (input.units <= 0) return;
  await scripts(redis).wagateQuotaRelease(quotaKey(prefix, input, input.day), input.units);
}
