import { leaseValue, sessionFenceKey, sessionLeaseKey } from "@wagate/contracts";
import type { Redis } from "ioredis";

// Take the lease back under the SAME token, only when nobody holds it and no newer token was
// granted since (the fence counter is not above ours; after a Redis loss it is gone).
// KEYS[1] lease, KEYS[2] fence counter; ARGV[1] value `<workerId>|<token>`, ARGV[2] ttl ms,
// ARGV[3] token.
const RETAKE = `
if redis.call('exists', KEYS[1]) == 1 then return 0 end
local token = tonumber(ARGV[3])
if tonumber(redis.call('get', KEYS[2]) or '0') > token then return 0 end
redis.call('set', KEYS[2], token)
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/**
 * After Redis lost its data (restart without persistence, FLUSHALL) every lease is gone
 * while its owner is still healthy. Instead of stopping the session and opening it again (a
 * Chromium restart for webjs), the owner takes its lease back with the token it already
 * holds, and puts the fence counter back at that token, so the next grant is still higher
 * than any token stamped on a row. Refused when another worker holds the lease, or was
 * granted a newer token meanwhile: then the session is lost as before.
 */
export async function retakeLostLease(
  redis: Redis,
  prefix: string,
  lease: { workerId: string; ttlMs: number },
  { sessionId, token }: { sessionId: string; token: number },
): Promise<boolean> {
  const taken = (await redis.eval(
    RETAKE,
    2,
    sessionLeaseKey(prefix, sessionId),
    sessionFenceKey(prefix, sessionId),
    leaseValue(lease.workerId, token),
    String(lease.ttlMs),
    String(token),
  )) as number;
  return taken === 1;
}
