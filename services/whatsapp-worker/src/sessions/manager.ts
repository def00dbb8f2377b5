import type { WorkerContext } from "../context.js";
import { SessionBalancer } from "./balance.js";
import { ClaimScan } from "./claim.js";
import { CommandChannel } from "./commands.js";
import { DesiredStateFollower } from "./desired.js";
import { LeaseHeartbeat } from "./heartbeat.js";
import type { SessionLease } from "./lease.js";
import { publishSessionStatus } from "./publish.js";
import { SessionRegistry } from "./registry.js";
import { WorkerRoster } from "./roster.js";
import type { SessionRuntime } from "./runtime.js";

/**
 * Owns sessions for this process by putting its parts together: the registry of runtimes
 * and their leases (`registry.ts`), the roster of live workers (`roster.ts`), the balancer
 * (`balance.ts`), the claim scan (`claim.ts`), the lease heartbeat (`heartbeat.ts`), the
 * desired-state follower (`desired.ts`) and the owners' channel (`commands.ts`). It starts
 * and stops them in order.
 */
export class SessionManager {
  private readonly registry: SessionRegistry;
  private readonly roster: WorkerRoster;
  private readonly balancer: SessionBalancer;
  private readonly claims: ClaimScan;
  private readonly follower: DesiredStateFollower;
  private readonly beats: LeaseHeartbeat;
  private readonly channel: CommandChannel;

  constructor(private readonly ctx: WorkerContext) {
    this.registry = new SessionRegistry(ctx);
    this.roster = new WorkerRoster(ctx);
    this.balancer = new SessionBalancer(ctx, this.registry, this.roster);
    this.claims = new ClaimScan(ctx, this.registry, this.balancer);
    this.follower = new DesiredStateFollower(ctx, this.registry, this.claims);
    this.beats = new LeaseHeartbeat(ctx, this.registry, this.roster, () =>
      this.follower.followAll(),
    );
    this.channel = new CommandChannel(ctx, this.registry, this.follower);
  }

  get lease(): SessionLease {
    return this.registry.lease;
  }

  get owned(): SessionRuntime[] {
    return this.registry.owned;
  }

  owns(sessionId: string): boolean {
    return this.registry.owns(sessionId);
  }

  runtime(sessionId: string): SessionRuntime | undefined {
    return this.registry.get(sessionId);
  }

  /** This worker's fair share of the running sessions (Infinity when balancing is off). */
  get fairShare(): number {
    return this.balancer.fairShare;
  }

  async start(): Promise<void> {
    await this.roster.beat();
    await this.channel.listen();
    this.beats.start();
    await this.claims.start();
  }

  /** Claims every session nobody owns that needs a worker (see `ClaimScan`). */
  claimAll(): Promise<void> {
    return this.claims.scan();
  }

  /** Takes the session if free (and this worker has room), acting on its desired state. */
  claim(sessionId: string): Promise<boolean> {
    return this.claims.claim(sessionId);
  }

  /** Renews every lease, then follows the rows' desired state. */
  heartbeat(): Promise<void> {
    return this.beats.beat();
  }

  /** What a nudge does: act on the session's row now. */
  nudge(sessionId: string): Promise<void> {
    return this.follower.nudge(sessionId);
  }

  /**
   * Graceful shutdown: stop claiming, let in-flight sends finish, close drivers keeping
   * their auth, give every lease back so another worker takes the sessions over at once.
   */
  async shutdown(): Promise<void> {
    this.beats.stop();
    await this.claims.stop();
    await this.channel.close();
    await this.follower.idle();
    // Out of the roster first: the others count without this worker when they take over.
    await this.roster.leave().catch(() => {});
    await Promise.all(
      this.registry.owned.map((runtime) =>
        this.registry.release(runtime.sessionId, "destroy", () =>
          publishSessionStatus(this.ctx, runtime.sessionId, "disconnected", {
            lastError: "worker shut down; another worker takes the session over",
          }),
        ),
      ),
    );
  }

  /** Imitates a killed process (tests): everything stops, no lease is released. */
  async crash(): Promise<void> {
    this.claims.halt();
    this.beats.stop();
    this.channel.disconnect();
    await Promise.all(this.registry.dropAll().map((runtime) => runtime.stop("crash")));
  }
}
