import { performance } from "node:perf_hooks";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { onInvalidation, publishInvalidation } from "../../lib/invalidation.js";
import { NotFoundError } from "../errors.js";
import { findSession } from "./find.js";

/** What the accept path needs of a session: which one (its id) under which name. */
export interface SessionRef {
  id: string;
  name: string;
}

/**
 * Session ids by (account, key mode, name) for the accept path, so a send costs no session
 * query while nothing changed. An id never changes while its row lives; what changes it is
 * a session created or deleted, and those call `invalidateSessions` (every replica drops
 * the account's entries through the invalidation channel). The TTL only bounds staleness
 * if a message is ever lost. Missing sessions are not cached (a new one is found at once).
 */
export class SessionCache {
  private readonly entries = new Map<string, { ref: SessionRef; userId: string; until: number }>();
  /** Bumped on every invalidation: a lookup that started before one must not store. */
  generation = 0;

  constructor(
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  static key(account: Pick<AccountPrincipal, "userId" | "mode">, name: string): string {
    return `${account.userId}\u0000${account.mode}\u0000${name}`;
  }

  get(key: string): SessionRef | null {
    const found = this.entries.get(key);
    if (!found) return null;
    if (found.until <= performance.now()) {
      this.entries.delete(key);
      return null;
    }
    return found.ref;
  }

  set(key: string, userId: string, ref: SessionRef, generation: number): void {
    if (generation !== this.generation) return;
    this.entries.delete(key);
    this.entries.set(key, { ref, userId, until: performance.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Drops the account's entries (all of them without `userId`). */
  invalidate(userId?: string | null): void {
    this.generation++;
    if (!userId) {
      this.entries.clear();
      return;
    }
    for (const [key, entry] of this.entries) {
      if (entry.userId === userId) this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Registers `cache` as this replica's session cache on the invalidation channel. */
export function registerSessionCache(deps: AppDeps, cache: SessionCache): SessionCache {
  onInvalidation(deps, "sessions", {
    invalidate: (message) => cache.invalidate(message.userId),
    clear: () => cache.invalidate(),
  });
  return cache;
}

/** The session cache of this API instance, built at start-up (`withApiState`, `deps.ts`). */
export const getSessionCache = (deps: AppDeps): SessionCache => deps.state.sessions;

/**
 * The account's session of this name in the key's mode, from the cache or one query;
 * missing → `NotFoundError` naming what to call.
 */
export async function resolveSession(
  deps: AppDeps,
  account: Pick<AccountPrincipal, "userId" | "mode">,
  name: string,
): Promise<SessionRef> {
  const cache = getSessionCache(deps);
  const key = SessionCache.key(account, name);
  const hit = cache.get(key);
  if (hit) return hit;
  const generation = cache.generation;
  const row = await findSession(deps.db, account, name);
  if (!row) {
    throw new NotFoundError(
      `session "${name}" not found in ${account.mode} mode; create it with POST /api/v1/sessions/init`,
    );
  }
  const ref = { id: row.id, name: row.name };
  cache.set(key, account.userId, ref, generation);
  return ref;
}

/**
 * Drops the account's cached sessions on every replica: call AFTER committing a session
 * created or deleted (or an account removed). Also drops this replica's entry at once.
 */
export async function invalidateSessions(deps: AppDeps, target: { userId: string }): Promise<void> {
  await publishInvalidation(deps, { kind: "sessions", userId: target.userId });
}
