import { performance } from "node:perf_hooks";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import {
  onInvalidation,
  publishInvalidation,
  startInvalidationSubscriber,
} from "../../lib/invalidation.js";

/** What the cache remembers about a known key hash: enough to decide without the database. */
export interface CachedApiKey {
  principal: AccountPrincipal;
  expiresAt: Date | null;
  revoked: boolean;
  /** False when the account is deactivated or deleted. */
  accountActive: boolean;
}

export interface ApiKeyCacheOptions {
  /** How long a known key is trusted without the database, ms. Default 30 000. */
  ttlMs?: number;
  /** How long an unknown hash is remembered as unknown, ms. Default 5 000. */
  negativeTtlMs?: number;
  /** Most known keys held; the least recently used go first. Default 10 000. */
  maxEntries?: number;
  /** Most unknown hashes held. Default 10 000. */
  maxNegativeEntries?: number;
}

type Lookup = { kind: "hit"; entry: CachedApiKey } | { kind: "negative_hit" } | { kind: "miss" };

/**
 * In-process cache of API keys by hash, with negative caching so a flood of made-up but
 * well-formed keys costs no database round trip. Every entry is dropped within a second of
 * a revoke, deactivation or limit change through the invalidation channel; the TTL only
 * bounds staleness if a message is ever lost.
 */
export class ApiKeyCache {
  private readonly known = new Map<string, { entry: CachedApiKey; until: number }>();
  private readonly unknown = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  private readonly maxNegativeEntries: number;
  /**
   * Bumped on every invalidation. A lookup that started before an invalidation must not
   * store what it read, or a revoked key could be cached as valid for a whole TTL.
   */
  generation = 0;

  constructor(options: ApiKeyCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxNegativeEntries = options.maxNegativeEntries ?? 10_000;
  }

  get(hash: string): Lookup {
    const now = performance.now();
    const found = this.known.get(hash);
    if (found) {
      this.known.delete(hash);
      if (found.until > now) {
        this.known.set(hash, found); // most recently used goes last
        return { kind: "hit", entry: found.entry };
      }
    }
    const unknownUntil = this.unknown.get(hash);
    if (unknownUntil !== undefined) {
      if (unknownUntil > now) return { kind: "negative_hit" };
      this.unknown.delete(hash);
    }
    return { kind: "miss" };
  }

  set(hash: string, entry: CachedApiKey, generation: number): void {
    if (generation !== this.generation) return;
    this.unknown.delete(hash);
    this.known.delete(hash);
    this.known.set(hash, { entry, until: performance.now() + this.ttlMs });
    evictOldest(this.known, this.maxEntries);
  }

  setUnknown(hash: string, generation: number): void {
    if (generation !== this.generation) return;
    this.unknown.delete(hash);
    this.unknown.set(hash, performance.now() + this.negativeTtlMs);
    evictOldest(this.unknown, this.maxNegativeEntries);
  }

  /** Drops entries of these keys and/or this account; with neither, drops everything. */
  invalidate(target: { keyIds?: string[]; userId?: string }): void {
    this.generation++;
    const keyIds = new Set(target.keyIds ?? []);
    if (keyIds.size === 0 && !target.userId) {
      this.clear();
      return;
    }
    for (const [hash, { entry }] of this.known) {
      if (keyIds.has(entry.principal.keyId) || entry.principal.userId === target.userId) {
        this.known.delete(hash);
      }
    }
  }

  clear(): void {
    this.generation++;
    this.known.clear();
    this.unknown.clear();
  }

  get size(): { known: number; unknown: number } {
    return { known: this.known.size, unknown: this.unknown.size };
  }
}

function evictOldest<V>(map: Map<string, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) return;
    map.delete(oldest);
  }
}

const caches = new WeakMap<AppDeps, ApiKeyCache>();

/** The key cache of this API instance (one per `deps`, so two test apps are two replicas). */
export function getApiKeyCache(deps: AppDeps): ApiKeyCache {
  let cache = caches.get(deps);
  if (!cache) {
    const created = new ApiKeyCache();
    onInvalidation(deps, "api-keys", {
      invalidate: (message) => {
        const keyIds = message.keyIds ?? [];
        if (keyIds.length === 0 && !message.userId) return;
        created.invalidate({ keyIds, ...(message.userId ? { userId: message.userId } : {}) });
      },
      clear: () => created.clear(),
    });
    caches.set(deps, created);
    cache = created;
  }
  return cache;
}

/**
 * Drops cached keys on every API replica: call after revoking keys (`keyIds`) or changing an
 * account (`userId`: deactivate, delete, limit change). Clears this replica at once, then
 * publishes for the others (`lib/invalidation.ts`), whose subscribers clear theirs as soon
 * as the message arrives.
 */
export async function invalidateApiKeys(
  deps: AppDeps,
  target: { keyIds?: string[]; userId?: string },
): Promise<void> {
  if ((target.keyIds?.length ?? 0) === 0 && !target.userId) return;
  getApiKeyCache(deps); // registered, so the local apply reaches it
  await publishInvalidation(deps, {
    keyIds: target.keyIds ?? [],
    userId: target.userId ?? null,
  });
}

/**
 * Subscribes this replica to cache invalidations (API keys and every other registered
 * cache) on its own connection. Returns the stop function.
 */
export async function startApiKeyInvalidation(deps: AppDeps): Promise<() => Promise<void>> {
  getApiKeyCache(deps);
  return startInvalidationSubscriber(deps);
}
