import { performance } from "node:perf_hooks";
import { isOptedOut } from "@wagate/core";
import { optOuts } from "@wagate/db";
import { eq } from "drizzle-orm";
import type { AppDeps } from "../../lib/context.js";
import { onInvalidation, publishInvalidation } from "../../lib/invalidation.js";

/**
 * The accept path's opt-out check without a query per send: each replica keeps, per
 * account, the set of its opted-out numbers, read with one query and kept 30 s. Every
 * change to an account's list publishes `{kind: "opt-outs", userId}` on the API's
 * invalidation channel (the API's opt-out routes through `invalidateOptOuts`, the worker's
 * STOP/START keywords through core's `publishInvalidation`), so replicas drop the account's
 * set within a moment; the TTL only bounds staleness if a message is ever lost. A send that
 * slips through a stale set still never reaches WhatsApp: the worker's claim checks the list
 * again (`recipient_opted_out`, unit refunded).
 *
 * An account with more than `maxPhones` opt-outs is not held in memory: each of its sends
 * asks Postgres (`isOptedOut`), as before.
 */
export class OptOutCache {
  private readonly entries = new Map<string, { phones: Set<string> | "too-many"; until: number }>();
  private readonly loading = new Map<string, Promise<Set<string> | "too-many">>();
  /** Bumped on every invalidation: a load that started before one must not be stored. */
  private generation = 0;

  constructor(
    private readonly ttlMs = 30_000,
    private readonly maxPhones = 10_000,
    private readonly maxAccounts = 10_000,
  ) {}

  /** True when `phone` is on the account's opt-out list. */
  async has(deps: Pick<AppDeps, "db">, userId: string, phone: string): Promise<boolean> {
    const phones = await this.phonesOf(deps, userId);
    return phones === "too-many" ? isOptedOut(deps.db, userId, phone) : phones.has(phone);
  }

  private phonesOf(deps: Pick<AppDeps, "db">, userId: string) {
    const found = this.entries.get(userId);
    if (found && found.until > performance.now()) return found.phones;
    const pending = this.loading.get(userId);
    if (pending) return pending;
    const generation = this.generation;
    const load = (async () => {
      const rows = await deps.db
        .select({ phone: optOuts.phone })
        .from(optOuts)
        .where(eq(optOuts.userId, userId))
        .limit(this.maxPhones + 1);
      const phones =
        rows.length > this.maxPhones ? ("too-many" as const) : new Set(rows.map((r) => r.phone));
      if (generation === this.generation) this.store(userId, phones);
      return phones;
    })().finally(() => {
      if (this.loading.get(userId) === load) this.loading.delete(userId);
    });
    this.loading.set(userId, load);
    return load;
  }

  private store(userId: string, phones: Set<string> | "too-many") {
    this.entries.delete(userId);
    this.entries.set(userId, { phones, until: performance.now() + this.ttlMs });
    while (this.entries.size > this.maxAccounts) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Drops the account's set (every account's without `userId`). */
  invalidate(userId?: string | null): void {
    this.generation++;
    this.loading.clear();
    if (userId) this.entries.delete(userId);
    else this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Registers `cache` as this replica's opt-out cache on the invalidation channel. */
export function registerOptOutCache(deps: AppDeps, cache: OptOutCache): OptOutCache {
  onInvalidation(deps, "opt-outs", {
    invalidate: (message) => cache.invalidate(message.userId),
    clear: () => cache.invalidate(),
  });
  return cache;
}

/**
 * Drops the account's cached opt-outs on every replica: call AFTER the list changed
 * (committed). Drops this replica's set at once.
 */
export async function invalidateOptOuts(deps: AppDeps, userId: string): Promise<void> {
  await publishInvalidation(deps, { kind: "opt-outs", userId });
}

/** The opt-out cache of this API instance, built at start-up (`withApiState`, `deps.ts`). */
export const getOptOutCache = (deps: AppDeps): OptOutCache => deps.state.optOuts;
