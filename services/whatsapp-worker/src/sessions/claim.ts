import { sessionLeaseKey } from "@wagate/contracts";
import { whatsappSessions } from "@wagate/db";
import { and, asc, eq, ne, or } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import type { SessionBalancer } from "./balance.js";
import type { SessionRegistry, SessionRow } from "./registry.js";
import { settleUnowned } from "./settle.js";

/** Rows whose desired state asks a worker for something while nobody may run them. */
const pendingStop = or(
  eq(whatsappSessions.desiredState, "logged_out"),
  and(eq(whatsappSessions.desiredState, "stopped"), ne(whatsappSessions.status, "stopped")),
);

/**
 * The claim scan: every `CLAIM_INTERVAL_MS` (and on a nudge for a session nobody holds) this
 * worker takes the sessions nobody holds a lease on. A `running` one is opened here while the
 * worker has room (`WORKER_MAX_SESSIONS`); a `logged_out` one is logged out under a brief
 * lease (stored auth forgotten, desired state settled to `stopped`); a `stopped` one still
 * showing another status is set `stopped`. The lease decides between workers racing for one
 * session; the row, re-read once the lease is ours, decides what to do with it. The
 * balancer says whether to claim a running session now (fair share), and each pass ends with
 * it handing over at most one surplus session.
 */
export class ClaimScan {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private active = false;
  /** Running sessions nobody held at the previous pass. */
  private freeBefore = new Set<string>();

  constructor(
    private readonly ctx: WorkerContext,
    private readonly registry: SessionRegistry,
    private readonly balancer: SessionBalancer,
  ) {}

  /** Starts scanning every `CLAIM_INTERVAL_MS`, and once now. */
  start(): Promise<void> {
    this.active = true;
    this.timer = setInterval(() => void this.scan(), this.ctx.options.claimIntervalMs);
    return this.scan();
  }

  /** No more claims; waits for a scan under way. */
  async stop(): Promise<void> {
    this.halt();
    await this.running;
  }

  /** No more claims, at once (a crash). */
  halt(): void {
    this.active = false;
    clearInterval(this.timer);
  }

  /** One pass over the sessions that need a worker and have none. */
  scan(): Promise<void> {
    if (!this.active) return Promise.resolve();
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    try {
      await this.balancer.refresh();
      const rows = await this.ctx.db
        .select()
        .from(whatsappSessions)
        .where(
          this.registry.full
            ? pendingStop
            : or(eq(whatsappSessions.desiredState, "running"), pendingStop),
        )
        .orderBy(asc(whatsappSessions.updatedAt))
        .limit(500);
      const candidates = rows.filter((row) => !this.registry.owns(row.id));
      // One round trip to skip every session another worker holds.
      const holders =
        candidates.length === 0
          ? []
          : await this.ctx.redis.mget(
              candidates.map((row) => sessionLeaseKey(this.ctx.redisPrefix, row.id)),
            );
      const free = new Set<string>();
      for (const [i, row] of candidates.entries()) {
        if (!this.active) break;
        if (holders[i]) continue;
        if (row.desiredState === "running") {
          free.add(row.id);
          if (this.registry.full || !this.balancer.mayClaim(row.id, this.freeBefore.has(row.id)))
            continue;
        }
        await this.claimRow(row);
      }
      this.freeBefore = free;
      if (this.active) await this.balancer.shed();
    } catch (error) {
      this.ctx.logger.error({ err: error }, "session claim scan failed");
    }
  }

  /**
   * Claims one session (see the class); true when it now runs here. On a nudge a running
   * session is taken only by a worker below its fair share (the scans take it otherwise);
   * `force` skips that (the owner reopening its own session).
   */
  async claim(sessionId: string, { force = false } = {}): Promise<boolean> {
    if (!this.active) return false;
    if (this.registry.owns(sessionId)) return true;
    const [row] = await this.ctx.db
      .select()
      .from(whatsappSessions)
      .where(eq(whatsappSessions.id, sessionId));
    if (!row) return false;
    if (row.desiredState === "running" && !force) {
      await this.balancer.refresh();
      if (!this.balancer.mayClaim(row.id, false)) return false;
    }
    return this.claimRow(row);
  }

  private async claimRow(row: SessionRow): Promise<boolean> {
    if (!this.active || this.registry.owns(row.id)) return this.registry.owns(row.id);
    if (row.desiredState === "running" && this.registry.full) return false;
    if (row.desiredState === "stopped" && row.status === "stopped") return false;
    const token = await this.registry.lease.acquire(row.id, row.leaseToken ?? 0);
    if (token === null) return false;
    let opened = false;
    try {
      // The lease is ours: the row as it is now decides (a command may have come since).
      const [fresh] = await this.ctx.db
        .select()
        .from(whatsappSessions)
        .where(eq(whatsappSessions.id, row.id));
      if (fresh?.desiredState === "running") {
        if (!this.active || this.registry.full) return false;
        opened = true;
        await this.registry.open(fresh, token);
        return true;
      }
      if (fresh) await settleUnowned(this.ctx, fresh);
      return false;
    } finally {
      if (!opened) await this.registry.lease.release(row.id, token).catch(() => false);
    }
  }
}
