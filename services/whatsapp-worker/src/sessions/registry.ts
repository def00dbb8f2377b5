import { whatsappSessions } from "@wagate/db";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import { SessionLease } from "./lease.js";
import { SessionRuntime, type StopMode } from "./runtime.js";

export type SessionRow = typeof whatsappSessions.$inferSelect;

/**
 * The sessions this worker owns: one `SessionRuntime` per session whose lease it holds. It
 * opens a session under a lease just taken, hands a session back (stop, then release the
 * lease), and mirrors the lease on the row for operators.
 */
export class SessionRegistry {
  readonly lease: SessionLease;
  private readonly runtimes = new Map<string, SessionRuntime>();

  constructor(private readonly ctx: WorkerContext) {
    this.lease = new SessionLease(ctx.redis, ctx.redisPrefix, ctx.workerId, ctx.options.leaseTtlMs);
  }

  get owned(): SessionRuntime[] {
    return [...this.runtimes.values()];
  }

  get size(): number {
    return this.runtimes.size;
  }

  /** True when this worker holds `WORKER_MAX_SESSIONS` sessions. */
  get full(): boolean {
    return this.runtimes.size >= this.ctx.options.maxSessions;
  }

  owns(sessionId: string): boolean {
    return this.runtimes.has(sessionId);
  }

  get(sessionId: string): SessionRuntime | undefined {
    return this.runtimes.get(sessionId);
  }

  /**
   * Opens the session here under `token` (a lease just taken). A start that fails leaves the
   * runtime `failed`, restarting with backoff: it keeps the lease, so the session is not
   * bounced between workers.
   */
  async open(row: SessionRow, token: number): Promise<SessionRuntime> {
    const runtime = new SessionRuntime(this.ctx, row, token);
    this.runtimes.set(row.id, runtime);
    await this.mirrorLease(row.id, token);
    this.ctx.logger.info({ sessionId: row.id, token }, "session claimed");
    await runtime.start();
    return runtime;
  }

  /** Forgets a runtime whose lease is gone (no release: it is not ours any more). */
  drop(runtime: SessionRuntime): boolean {
    if (this.runtimes.get(runtime.sessionId) !== runtime) return false;
    this.runtimes.delete(runtime.sessionId);
    return true;
  }

  /** Forgets every runtime at once and returns them (a crash). */
  dropAll(): SessionRuntime[] {
    const runtimes = this.owned;
    this.runtimes.clear();
    return runtimes;
  }

  /**
   * Stops our runtime of the session and gives the lease back. `beforeRelease` runs while
   * the lease is still ours (so what it publishes cannot overwrite the next owner's status);
   * its failure is ignored.
   */
  async release(
    sessionId: string,
    mode: StopMode,
    beforeRelease?: () => Promise<void>,
  ): Promise<void> {
    const runtime = this.runtimes.get(sessionId);
    if (!runtime) return;
    this.runtimes.delete(sessionId);
    await runtime.stop(mode);
    await beforeRelease?.().catch((error) =>
      this.ctx.logger.warn({ err: error, sessionId }, "session hand-back step failed"),
    );
    await this.lease.release(sessionId, runtime.token).catch(() => false);
    await this.mirrorLease(sessionId, null).catch(() => {});
  }

  /** Mirrors renewed leases on their rows in one statement (owner and new expiry). */
  async mirrorRenewed(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.ctx.db
      .update(whatsappSessions)
      .set({
        ownerWorkerId: this.ctx.workerId,
        leaseExpiresAt: new Date(this.ctx.now().getTime() + this.ctx.options.leaseTtlMs),
      })
      .where(inArray(whatsappSessions.id, sessionIds));
  }

  /**
   * Mirrors the lease on the row (`owner_worker_id`, `lease_expires_at`, and the highest
   * token ever granted in `lease_token`); `token = null` clears our ownership.
   */
  async mirrorLease(sessionId: string, token: number | null): Promise<void> {
    const expires =
      token === null ? null : new Date(this.ctx.now().getTime() + this.ctx.options.leaseTtlMs);
    await this.ctx.db
      .update(whatsappSessions)
      .set({
        ownerWorkerId: token === null ? null : this.ctx.workerId,
        // The highest token ever granted stays on the row (it only grows): it is the floor
        // the fencing counter restarts from if Redis loses its data.
        ...(token === null
          ? {}
          : { leaseToken: sql`greatest(coalesce(${whatsappSessions.leaseToken}, 0), ${token})` }),
        leaseExpiresAt: expires,
      })
      .where(
        token === null
          ? and(
              eq(whatsappSessions.id, sessionId),
              eq(whatsappSessions.ownerWorkerId, this.ctx.workerId),
            )
          : eq(whatsappSessions.id, sessionId),
      );
  }
}
