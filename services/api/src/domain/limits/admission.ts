import {
  consumeQuota,
  QUOTA_CONSUME_LUA,
  type QuotaResult,
  quotaConsumeCall,
  quotaUnitsFromDb,
  readQuotaReply,
  secondsToUtcMidnight,
  TurnPipeline,
} from "@wagate/core";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { getApiMetrics } from "../../lib/metrics.js";
import { QuotaExceededError, type QuotaState, RateLimitedError } from "../errors.js";

/**
 * Admission of account requests (docs/internals.md "Account authentication" and "Daily
 * quota"): the per-key rate limit, and for sends the rate limit and one unit of the daily
 * quota together in ONE Redis round trip (one script). Domain code: it throws
 * `RateLimitedError` / `QuotaExceededError`, never HTTP.
 */

/**
 * Window of the per-key limiter, seconds. `API_KEY_RATE_LIMIT_PER_SECOND` × this many
 * points per window keeps the long-run rate at the setting while allowing a burst of twice
 * the setting within one second (the env's "burst = 2x").
 */
export const RATE_LIMIT_WINDOW_SECONDS = 2;

/**
 * Fixed window per key: INCR, and the window starts (PEXPIRE) with its first request. A
 * refused request still counts (a flood stays refused until its window ends).
 * rate(key, points, windowMs) → {used, ms left in the window}.
 */
const RATE_FUNCTION = `
local function rate(key, windowMs)
  local used = redis.call('INCR', key)
  local ttl = windowMs
  if used == 1 then
    redis.call('PEXPIRE', key, windowMs)
  else
    ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, windowMs)
      ttl = windowMs
    end
  end
  return {used, ttl}
end
`;

/** KEYS[1] rate key; ARGV[1] window ms. Returns {used, ttl}. */
const RATE_LUA = `${RATE_FUNCTION}
return rate(KEYS[1], tonumber(ARGV[1]))
`;

/**
 * The rate limit and the quota together. KEYS[1] rate key, KEYS[2] quota counter; ARGV[1]
 * points, ARGV[2] window ms, ARGV[3..4] the quota's arguments (`quotaConsumeCall`).
 * Returns {rateUsed, rateTtl, quotaStatus, quotaUsed}; a request over its rate limit never
 * reaches the quota (quotaStatus 0, nothing consumed), so nothing needs refunding then. A
 * quota refusal keeps the rate point: it was a request like any other.
 */
const ADMIT_LUA = `${RATE_FUNCTION}
local function quota(KEYS, ARGV)
${QUOTA_CONSUME_LUA}
end
local r = rate(KEYS[1], tonumber(ARGV[2]))
if r[1] > tonumber(ARGV[1]) then
  return {r[1], r[2], 0, 0}
end
local q = quota({KEYS[2]}, {ARGV[3], ARGV[4]})
return {r[1], r[2], q[1], q[2]}
`;

type AdmissionScripts = {
  wagateRate(key: string, windowMs: number): Promise<[number, number]>;
  wagateAdmit(
    rateKey: string,
    quotaKey: string,
    points: number,
    windowMs: number,
    limit: number,
    ttlSeconds: number,
  ): Promise<[number, number, number, number]>;
};

function scripts(redis: Redis): AdmissionScripts {
  const client = redis as Redis & Partial<AdmissionScripts>;
  if (!client.wagateAdmit) {
    redis.defineCommand("wagateRate", { numberOfKeys: 1, lua: RATE_LUA });
    redis.defineCommand("wagateAdmit", { numberOfKeys: 2, lua: ADMIT_LUA });
  }
  return client as Redis & AdmissionScripts;
}

/**
 * A rate limit point the middleware left for the send itself to take together with its
 * quota unit (`requireSender`). `settled` once either took it.
 */
export interface DeferredRateLimit {
  keyId: string;
  settled: boolean;
}

/** The per-key limiter of one API instance; counters are shared by all replicas in Redis. */
export class ApiKeyLimiter {
  private readonly points: number;
  private readonly windowMs = RATE_LIMIT_WINDOW_SECONDS * 1000;
  /** Keys refused until this time (performance.now ms): a flood costs no Redis round trip. */
  private readonly blocked = new Map<string, number>();
  /** Takes over, per process, while Redis is not ready (requests neither hang nor go unlimited). */
  private readonly insurance: RateLimiterMemory;
  /** Admissions of one event-loop turn go to Redis as one pipeline. */
  private readonly pipeline: TurnPipeline;

  constructor(private readonly deps: AppDeps) {
    this.pipeline = new TurnPipeline(deps.redis);
    this.points = deps.env.API_KEY_RATE_LIMIT_PER_SECOND * RATE_LIMIT_WINDOW_SECONDS;
    this.insurance = new RateLimiterMemory({
      points: this.points,
      duration: RATE_LIMIT_WINDOW_SECONDS,
    });
  }

  private key(keyId: string) {
    return `${this.deps.redisPrefix}:rl:api-key:${keyId}`;
  }

  /** Throws `RateLimitedError` when `keyId` is blocked in memory (no round trip). */
  refuseIfBlocked(keyId: string): void {
    const until = this.blocked.get(keyId);
    if (until === undefined) return;
    const left = until - performance.now();
    if (left > 0) throw new RateLimitedError(Math.max(1, Math.ceil(left / 1000)));
    this.blocked.delete(keyId);
  }

  private refuse(keyId: string, ttlMs: number): never {
    this.blocked.set(keyId, performance.now() + ttlMs);
    if (this.blocked.size > 10_000) {
      const oldest = this.blocked.keys().next().value;
      if (oldest !== undefined) this.blocked.delete(oldest);
    }
    throw new RateLimitedError(Math.max(1, Math.ceil(ttlMs / 1000)));
  }

  /** Runs one admission script in this event-loop turn's pipeline; resolves to its reply. */
  private script<T>(add: (run: AdmissionScripts) => unknown): Promise<T> {
    // Defined on the client on first use (so its pipelines have them too), not at start-up:
    // building the app must not touch Redis (the console builds its OpenAPI document so).
    scripts(this.deps.redis);
    return this.pipeline.call<T>((pipeline) => add(pipeline as unknown as AdmissionScripts));
  }

  private redisReady() {
    return this.deps.redis.status === "ready";
  }

  private async consumeInsurance(keyId: string): Promise<void> {
    try {
      await this.insurance.consume(keyId, 1);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) this.refuse(keyId, rejection.msBeforeNext);
      throw rejection;
    }
  }

  /** Counts one request for `keyId`; over the limit → `RateLimitedError`. */
  async limit(keyId: string): Promise<void> {
    this.refuseIfBlocked(keyId);
    if (!this.redisReady()) return this.consumeInsurance(keyId);
    let reply: [number, number];
    try {
      reply = await this.script<[number, number]>((run) =>
        run.wagateRate(this.key(keyId), this.windowMs),
      );
    } catch (error) {
      // The limiter itself failed: let the request through rather than fail it.
      this.deps.logger.warn({ err: error }, "api key rate limiter unavailable");
      return;
    }
    if (reply[0] > this.points) this.refuse(keyId, reply[1]);
  }

  /**
   * Counts one request for `rateLimit.keyId` (unless already `settled`) and consumes one
   * quota unit for `account`, in one round trip. Over the rate limit → `RateLimitedError`
   * (no unit consumed); no unit left → `QuotaExceededError` (the request still counted).
   * A missing quota counter (first send of the UTC day, or Redis lost it) is rebuilt from
   * Postgres by `consumeQuota`, without counting the request twice.
   */
  async admit(
    account: Pick<AccountPrincipal, "userId" | "mode" | "maxMessagesPerDay">,
    rateLimit: DeferredRateLimit | undefined,
  ): Promise<QuotaResult> {
    const now = this.deps.now();
    const subject = {
      userId: account.userId,
      mode: account.mode,
      limit: account.maxMessagesPerDay,
      now,
    };
    const call = quotaConsumeCall(this.deps.redisPrefix, subject);
    let result: QuotaResult | "missing" = "missing";
    if (rateLimit && !rateLimit.settled) {
      this.refuseIfBlocked(rateLimit.keyId);
      rateLimit.settled = true;
      if (this.redisReady()) {
        const [used, ttl, status, quotaUsed] = await this.script<[number, number, number, number]>(
          (run) =>
            run.wagateAdmit(
              this.key(rateLimit.keyId),
              call.key,
              this.points,
              this.windowMs,
              ...call.args,
            ),
        );
        if (used > this.points) this.refuse(rateLimit.keyId, ttl);
        result = readQuotaReply(call, [status, quotaUsed]);
      } else {
        await this.consumeInsurance(rateLimit.keyId);
      }
    }
    if (result === "missing") {
      result = await consumeQuota(this.deps.redis, this.deps.redisPrefix, {
        ...subject,
        unitsUsed: quotaUnitsFromDb(this.deps.db),
      });
    }
    if (!result.allowed) {
      getApiMetrics(this.deps.registry).quotaRejections.inc({ mode: account.mode });
      throw new QuotaExceededError(quotaState(result, now));
    }
    return result;
  }
}

/** The quota's answer as the facts its headers carry. */
export function quotaState(result: QuotaResult, now: Date): QuotaState {
  return {
    limit: result.limit,
    remaining: result.remaining,
    resetAt: result.resetAt,
    resetSeconds: secondsToUtcMidnight(now),
  };
}

/** The limiter of this API instance, built at start-up (`withApiState`, `deps.ts`). */
export const getApiKeyLimiter = (deps: AppDeps): ApiKeyLimiter => deps.state.limiter;
