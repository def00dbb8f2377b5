import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

/** Deletes the lock only while it still holds our token (another run may own it after expiry). */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Extends the lock only while it still holds our token. */
const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

export const jobLockKey = (prefix: string, job: string) => `${prefix}:scheduler:lock:${job}`;

export interface JobLockOptions {
  /** Lock time to live; renewed every third of it while the run lasts. Default 60 s. */
  ttlMs?: number;
  /** How long to wait for a running holder before giving up. Default 0 (try once). */
  waitMs?: number;
  /** Poll interval while waiting. Default 250 ms. */
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` while holding the Redis lock for one job name, so a scheduled run and a run
 * from the CLI (or two replicas) never overlap. The lock expires by itself if the holder
 * dies. Resolves `{ acquired: false }` when another run held it for the whole wait.
 */
export async function withJobLock<T>(
  redis: Redis,
  prefix: string,
  job: string,
  options: JobLockOptions,
  work: () => Promise<T>,
): Promise<{ acquired: true; value: T } | { acquired: false }> {
  const key = jobLockKey(prefix, job);
  const ttlMs = options.ttlMs ?? 60_000;
  const token = randomBytes(12).toString("hex");
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    const set = await redis.set(key, token, "PX", ttlMs, "NX");
    if (set === "OK") break;
    if (Date.now() >= deadline) return { acquired: false };
    await sleep(options.pollMs ?? 250);
  }
  const renew = setInterval(
    () => {
      redis.eval(RENEW_SCRIPT, 1, key, token, String(ttlMs)).catch(() => {});
    },
    Math.max(1000, Math.floor(ttlMs / 3)),
  );
  renew.unref();
  try {
    return { acquired: true, value: await work() };
  } finally {
    clearInterval(renew);
    await redis.eval(RELEASE_SCRIPT, 1, key, token).catch(() => {});
  }
}
