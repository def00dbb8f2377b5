import { whatsappSessions } from "@wagate/db";
import { count, eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import type { SessionRegistry } from "./registry.js";
import type { WorkerRoster } from "./roster.js";

/** Passes of the claim scan during which a worker does not take back what it handed over. */
const HANDED_OVER_PASSES = 3;

/**
 * Spreads the running sessions evenly over the live workers. Fair share =
 * ceil(running sessions / live workers). A worker below its share claims a free session at
 * once; one at or above it claims only a session already free at its previous scan (nobody
 * below its share took it), so no session stays unowned. A worker above its share hands one
 * session over per claim pass (a `ready` one: stop keeping the auth, release the lease; no
 * status is published, the next owner's `starting`/`ready` follow) and does not take it back
 * for a few passes. The leases keep one owner per session throughout.
 */
export class SessionBalancer {
  private fair = Number.POSITIVE_INFINITY;
  private readonly handedOver = new Map<string, number>();

  constructor(
    private readonly ctx: WorkerContext,
    private readonly registry: SessionRegistry,
    private readonly roster: WorkerRoster,
  ) {}

  private get enabled(): boolean {
    return this.ctx.options.balanceSessions;
  }

  /** This worker's fair share (Infinity when balancing is off). */
  get fairShare(): number {
    return this.fair;
  }

  /** Recomputes the fair share from the running sessions and the live workers. */
  async refresh(): Promise<void> {
    if (!this.enabled) return;
    const [row] = await this.ctx.db
      .select({ value: count() })
      .from(whatsappSessions)
      .where(eq(whatsappSessions.desiredState, "running"));
    this.fair = Math.max(1, Math.ceil((row?.value ?? 0) / this.roster.live));
  }

  /**
   * Whether to claim a free running session now: below the fair share, yes; at or above it,
   * only one that was free at the previous scan too and that this worker did not just hand
   * over.
   */
  mayClaim(sessionId: string, freeBefore: boolean): boolean {
    if (!this.enabled || this.registry.size < this.fair) return true;
    const handed = this.handedOver.get(sessionId);
    const recent =
      handed !== undefined && Date.now() - handed < HANDED_OVER_PASSES * this.claimIntervalMs;
    return freeBefore && !recent;
  }

  private get claimIntervalMs(): number {
    return this.ctx.options.claimIntervalMs;
  }

  /** Hands one session over when this worker holds more than its fair share. */
  async shed(): Promise<void> {
    if (!this.enabled) return;
    const now = Date.now();
    for (const [id, at] of this.handedOver) {
      if (now - at >= HANDED_OVER_PASSES * this.claimIntervalMs) this.handedOver.delete(id);
    }
    if (this.registry.size <= this.fair) return;
    // A ready session moves without anyone waiting on it (a QR being scanned would be lost,
    // a failed one keeps its lease on purpose).
    const runtime = this.registry.owned.reverse().find((r) => r.status === "ready");
    if (!runtime) return;
    this.handedOver.set(runtime.sessionId, now);
    this.ctx.metrics.sessionsHandedOver.inc();
    this.ctx.logger.info(
      { sessionId: runtime.sessionId, owned: this.registry.size, fairShare: this.fair },
      "handing a session over to balance the workers",
    );
    await this.registry.release(runtime.sessionId, "destroy");
  }
}
