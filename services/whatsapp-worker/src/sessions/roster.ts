import { workersKey } from "@wagate/contracts";
import type { WorkerContext } from "../context.js";

// Renews this worker's entry (score = Redis time + ttl), drops lapsed ones, counts the rest.
// Redis's own clock, so workers on hosts with skewed clocks agree.
// KEYS[1] roster; ARGV[1] worker id, ARGV[2] ttl ms.
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return redis.call('ZCARD', KEYS[1])`;

/**
 * Which session workers are up: each one renews its entry in `${prefix}:workers` every
 * heartbeat (lapsing after the lease time, like its leases), and leaves on shutdown. The
 * balancer divides the running sessions by this count.
 */
export class WorkerRoster {
  /** Live workers at the last beat, this one included (1 before the first). */
  live = 1;

  constructor(private readonly ctx: WorkerContext) {}

  async beat(): Promise<number> {
    const count = (await this.ctx.redis.eval(
      BEAT,
      1,
      workersKey(this.ctx.redisPrefix),
      this.ctx.workerId,
      String(this.ctx.options.leaseTtlMs),
    )) as number;
    this.live = Math.max(1, count);
    return this.live;
  }

  async leave(): Promise<void> {
    await this.ctx.redis.zrem(workersKey(this.ctx.redisPrefix), this.ctx.workerId);
  }
}
