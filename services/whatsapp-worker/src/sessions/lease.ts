import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { leaseValue, sessionFenceKey, sessionLeaseKey } from "@wagate/contracts";
import type { Redis } from "ioredis";

/** A process's identity in leases and on session rows: host, pid and a random suffix. */
export const newWorkerId = () => `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

// SET NX PX, and only when it took, a fresh fencing token from the per-session counter.
// ARGV[3] is the highest token ever granted for the session, kept in Postgres: after Redis
// lost its data the counter restarts there, never below a token a message row may carry.
const ACQUIRE = `
if redis.call('exists', KEYS[1]) == 1 then return 0 end
local floor = tonumber(ARGV[3])
if tonumber(redis.call('get', KEYS[2]) or '0') < floor then redis.call('set', KEYS[2], floor) end
local token = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return token`;
// Renew only while the value is still ours.
const RENEW = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;
// Compare-and-delete.
const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

export interface LeaseOwner {
  workerId: string;
  token: number;
}

/**
 * Redis lease per session, `${prefix}:lease:session:<id>`, valued `<workerId>|<token>`.
 * The token comes from `${prefix}:lease:fence:<id>` (INCR), so it grows with every new
 * owner: a stale owner's writes guarded by its token lose.
 */
export class SessionLease {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly workerId: string,
    readonly ttlMs: number,
  ) {}

  private key = (sessionId: string) => sessionLeaseKey(this.prefix, sessionId);
  private fenceKey = (sessionId: string) => sessionFenceKey(this.prefix, sessionId);
  private value = (token: number) => leaseValue(this.workerId, token);

  /**
   * The fencing token when the lease was free and is now ours; null when someone holds it.
   * `floor` is the highest token granted before (the session row's `lease_token`).
   */
  async acquire(sessionId: string, floor = 0): Promise<number | null> {
    const token = (await this.redis.eval(
      ACQUIRE,
      2,
      this.key(sessionId),
      this.fenceKey(sessionId),
      this.workerId,
      String(this.ttlMs),
      String(floor),
    )) as number;
    return token > 0 ? token : null;
  }

  /** Extends our lease; false when it expired or another worker holds it now. */
  async renew(sessionId: string, token: number): Promise<boolean> {
    const ok = (await this.redis.eval(
      RENEW,
      1,
      this.key(sessionId),
      this.value(token),
      String(this.ttlMs),
    )) as number;
    return ok === 1;
  }

  async release(sessionId: string, token: number): Promise<boolean> {
    const ok = (await this.redis.eval(
      RELEASE,
      1,
      this.key(sessionId),
      this.value(token),
    )) as number;
    return ok === 1;
  }

  async owner(sessionId: string): Promise<LeaseOwner | null> {
    const value = await this.redis.get(this.key(sessionId));
    if (!value) return null;
    const at = value.lastIndexOf("|");
    return { workerId: value.slice(0, at), token: Number(value.slice(at + 1)) };
  }
}
