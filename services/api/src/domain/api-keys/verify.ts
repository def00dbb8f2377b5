import { timingSafeEqual } from "node:crypto";
import type { ApiKeyScope } from "@wagate/contracts";
import { hashApiKey, parseApiKey } from "@wagate/core";
import { apiKeys, users } from "@wagate/db";
import { eq } from "drizzle-orm";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { ApiError } from "../../lib/errors.js";
import { getApiMetrics } from "../../lib/metrics.js";
import { type CachedApiKey, getApiKeyCache } from "./cache.js";

/** Why a key was refused. Only metrics see the reason; clients get one `unauthorized`. */
export type KeyRefusal = "malformed" | "unknown" | "revoked" | "expired" | "inactive";

export type KeyVerification =
  | { ok: true; principal: AccountPrincipal }
  | { ok: false; reason: KeyRefusal };

/** Misses in flight by hash, so a burst presenting one uncached key makes one query. */
const inFlight = new WeakMap<AppDeps, Map<string, Promise<CachedApiKey | null>>>();

/**
 * Verifies a raw API key: shape and checksum first (no cache, no database for garbage), then
 * the keyed hash against the in-process cache, then one query (api_keys ⨝ users) on a miss.
 * Never runs a slow KDF. Records the key as used for the batched `last_used_at` update.
 */
export async function verifyApiKey(deps: AppDeps, raw: string): Promise<KeyVerification> {
  const parsed = parseApiKey(raw);
  if (!parsed) return { ok: false, reason: "malformed" };
  const hash = hashApiKey(raw, deps.apiKeySecret);
  const cache = getApiKeyCache(deps);
  const metrics = getApiMetrics(deps.registry);
  const cached = cache.get(hash);
  metrics.apiKeyCache.inc({ result: cached.kind });
  let entry: CachedApiKey | null;
  if (cached.kind === "hit") entry = cached.entry;
  else if (cached.kind === "negative_hit") entry = null;
  else entry = await loadOnce(deps, hash);
  if (!entry || entry.principal.mode !== parsed.mode) return { ok: false, reason: "unknown" };
  if (entry.revoked) return { ok: false, reason: "revoked" };
  if (!entry.accountActive) return { ok: false, reason: "inactive" };
  if (entry.expiresAt && entry.expiresAt.getTime() <= deps.now().getTime()) {
    return { ok: false, reason: "expired" };
  }
  markKeyUsed(deps, entry.principal.keyId);
  return { ok: true, principal: entry.principal };
}

function loadOnce(deps: AppDeps, hash: string): Promise<CachedApiKey | null> {
  let pending = inFlight.get(deps);
  if (!pending) {
    pending = new Map();
    inFlight.set(deps, pending);
  }
  const existing = pending.get(hash);
  if (existing) return existing;
  const map = pending;
  const load = loadAndCache(deps, hash).finally(() => map.delete(hash));
  map.set(hash, load);
  return load;
}

async function loadAndCache(deps: AppDeps, hash: string): Promise<CachedApiKey | null> {
  const cache = getApiKeyCache(deps);
  const generation = cache.generation;
  let rows: Array<{
    keyId: string;
    keyHash: string;
    userId: string;
    mode: "live" | "test";
    scopes: string[];
    expiresAt: Date | null;
    revokedAt: Date | null;
    isActive: boolean;
    deletedAt: Date | null;
    maxMessagesPerDay: number;
    maxSessions: number;
  }>;
  try {
    rows = await deps.db
      .select({
        keyId: apiKeys.id,
        keyHash: apiKeys.keyHash,
        userId: apiKeys.userId,
        mode: apiKeys.mode,
        scopes: apiKeys.scopes,
        expiresAt: apiKeys.expiresAt,
        revokedAt: apiKeys.revokedAt,
        isActive: users.isActive,
        deletedAt: users.deletedAt,
        maxMessagesPerDay: users.maxMessagesPerDay,
        maxSessions: users.maxSessions,
      })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(eq(apiKeys.keyHash, hash))
      .limit(1);
  } catch (error) {
    deps.logger.error({ err: error }, "api key lookup failed");
    throw new ApiError("service_unavailable", "cannot verify the API key right now");
  }
  const row = rows[0];
  // The index found the row by equality; compare again in constant time as defence in depth.
  if (!row || !sameHash(row.keyHash, hash)) {
    cache.setUnknown(hash, generation);
    return null;
  }
  const entry: CachedApiKey = {
    principal: {
      userId: row.userId,
      keyId: row.keyId,
      mode: row.mode,
      scopes: row.scopes as ApiKeyScope[],
      maxMessagesPerDay: row.maxMessagesPerDay,
      maxSessions: row.maxSessions,
    },
    expiresAt: row.expiresAt,
    revoked: row.revokedAt !== null,
    accountActive: row.isActive && row.deletedAt === null,
  };
  cache.set(hash, entry, generation);
  return entry;
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// ---- last_used_at: remembered in memory, written in one UPDATE per interval ----

const usedKeys = new WeakMap<AppDeps, Set<string>>();

function markKeyUsed(deps: AppDeps, keyId: string): void {
  let used = usedKeys.get(deps);
  if (!used) {
    used = new Set();
    usedKeys.set(deps, used);
  }
  used.add(keyId);
}

/** Writes `last_used_at = now` for every key used since the last flush; returns how many. */
export async function flushKeyUsage(deps: AppDeps): Promise<number> {
  const used = usedKeys.get(deps);
  if (!used || used.size === 0) return 0;
  const ids = [...used];
  used.clear();
  const now = deps.now().toISOString();
  try {
    // Raw SQL so `updated_at` (a change of the key's settings) does not move on every use.
    await deps.sql`
      update api_keys set last_used_at = ${now}::timestamptz
      where id in ${deps.sql(ids)}
        and (last_used_at is null or last_used_at < ${now}::timestamptz)`;
  } catch (error) {
    for (const id of ids) used.add(id); // try again at the next interval
    deps.logger.warn({ err: error, keys: ids.length }, "last_used_at flush failed");
    return 0;
  }
  return ids.length;
}

/**
 * Flushes key usage every `intervalMs` (default 10 s) and once more on stop, so a key's
 * `last_used_at` lags by at most one interval without a write per request.
 */
export function startKeyUsageFlusher(deps: AppDeps, intervalMs = 10_000): () => Promise<void> {
  const timer = setInterval(() => void flushKeyUsage(deps), intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await flushKeyUsage(deps);
  };
}
