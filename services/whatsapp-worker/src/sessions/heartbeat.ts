import type { WorkerContext } from "../context.js";
import { retakeLostLease } from "./lease-retake.js";
import type { SessionRegistry } from "./registry.js";
import type { WorkerRoster } from "./roster.js";

/**
 * Every `HEARTBEAT_MS`: renews this worker's entry in the roster of live workers and the
 * lease of every session it owns (Redis only, so a busy Postgres pool never delays a
 * renewal). A lease gone with Redis's data (nobody took it) is taken back under the same token;
 * a lease lost to another worker stops that session at once (`lost`). Then, without holding
 * back the next round, the renewed leases are mirrored on the rows (one statement) and
 * `afterBeat` runs (the owner following the rows' desired state); a follow-up still running
 * when the next round ends is not started twice.
 */
export class LeaseHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private following: Promise<void> | undefined;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly registry: SessionRegistry,
    private readonly roster: WorkerRoster,
    private readonly afterBeat: () => Promise<void>,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.ctx.options.heartbeatMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round of renewals; a slow round is not overlapped by the next tick. */
  beat(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<void> {
    const timer = this.ctx.metrics.heartbeatSeconds.startTimer();
    const rostered = this.roster
      .beat()
      .catch((error) => this.ctx.logger.error({ err: error }, "worker roster beat failed"));
    const runtimes = this.registry.owned;
    const { lease } = this.registry;
    const renewed = await Promise.all(
      runtimes.map((runtime) =>
        lease.renew(runtime.sessionId, runtime.token).catch((error) => {
          this.ctx.logger.error(
            { err: error, sessionId: runtime.sessionId },
            "lease renewal failed",
          );
          return false;
        }),
      ),
    );
    await Promise.all(
      runtimes.map(async (runtime, i) => {
        if (renewed[i] || this.registry.get(runtime.sessionId) !== runtime) return;
        // Gone with Redis's data rather than taken: keep the session, same token.
        const { redis, redisPrefix } = this.ctx;
        const retaken = await retakeLostLease(redis, redisPrefix, lease, runtime).catch(
          () => false,
        );
        if (retaken) {
          this.ctx.logger.warn({ sessionId: runtime.sessionId }, "session lease gone; taken back");
          return;
        }
        this.ctx.logger.warn({ sessionId: runtime.sessionId }, "session lease lost; stopping it");
        if (this.registry.drop(runtime)) await runtime.stop("lost");
      }),
    );
    await rostered;
    timer();
    const kept = runtimes.filter((r, i) => renewed[i] && this.registry.get(r.sessionId) === r);
    this.following ??= this.followUp(kept.map((r) => r.sessionId)).finally(() => {
      this.following = undefined;
    });
  }

  private async followUp(renewedIds: string[]): Promise<void> {
    await this.registry
      .mirrorRenewed(renewedIds)
      .catch((error) => this.ctx.logger.warn({ err: error }, "lease mirror not updated"));
    await this.afterBeat();
  }
}
