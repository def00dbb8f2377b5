import { whatsappSessions } from "@wagate/db";
import { eq, inArray } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import type { ClaimScan } from "./claim.js";
import { publishSessionStatus } from "./publish.js";
import type { SessionRegistry } from "./registry.js";
import { settleLogout } from "./settle.js";

type DesiredRow = Pick<
  typeof whatsappSessions.$inferSelect,
  "id" | "desiredState" | "desiredGeneration"
>;

const desiredColumns = {
  id: whatsappSessions.id,
  desiredState: whatsappSessions.desiredState,
  desiredGeneration: whatsappSessions.desiredGeneration,
};

/**
 * Makes this worker's sessions follow their row's `desired_state`, the one truth of session
 * control: on a nudge (the `sync` message after a command) at once, and for every owned
 * session after each heartbeat (an owner that missed the nudge). `running` with a newer
 * `desired_generation` (a new init) republishes the runtime's real status, or reopens it
 * afresh when it is `failed`; `stopped` closes it keeping the auth; `logged_out` logs the
 * device out, forgets the auth and settles the row to `stopped`. Either way the session is
 * published `stopped` before its lease is released. A nudge for a session this worker does
 * not own goes to the claim scan (claim it, or carry out a logout nobody else can).
 * Actions on one session run one after another.
 */
export class DesiredStateFollower {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: WorkerContext,
    private readonly registry: SessionRegistry,
    private readonly claims: ClaimScan,
  ) {}

  /** The session's desired state changed: act on the row now. */
  nudge(sessionId: string): Promise<void> {
    return this.serial(sessionId, async () => {
      if (!this.registry.owns(sessionId)) {
        // Held by another worker: its owner acts. Free: claim it or carry out its logout.
        if (await this.registry.lease.owner(sessionId)) return;
        await this.claims.claim(sessionId);
        return;
      }
      const [row] = await this.ctx.db
        .select(desiredColumns)
        .from(whatsappSessions)
        .where(eq(whatsappSessions.id, sessionId));
      if (row) await this.follow(row);
    });
  }

  /**
   * Reads the rows of every owned session and follows those with something new. Does not
   * wait for the actions (a logout may take a while; the heartbeat must stay on time).
   */
  async followAll(): Promise<void> {
    const ids = this.registry.owned.map((runtime) => runtime.sessionId);
    if (ids.length === 0) return;
    try {
      const rows = await this.ctx.db
        .select(desiredColumns)
        .from(whatsappSessions)
        .where(inArray(whatsappSessions.id, ids));
      for (const row of rows) {
        const runtime = this.registry.get(row.id);
        if (!runtime) continue;
        if (row.desiredState === "running" && row.desiredGeneration <= runtime.generation) continue;
        void this.serial(row.id, () => this.follow(row));
      }
    } catch (error) {
      this.ctx.logger.error({ err: error }, "desired-state check failed");
    }
  }

  /** Resolves once no action is under way (graceful shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending.values());
  }

  private serial(sessionId: string, action: () => Promise<void>): Promise<void> {
    const run = (this.pending.get(sessionId) ?? Promise.resolve())
      .then(action)
      .catch((error) => this.ctx.logger.error({ err: error, sessionId }, "session command failed"));
    this.pending.set(sessionId, run);
    void run.finally(() => {
      if (this.pending.get(sessionId) === run) this.pending.delete(sessionId);
    });
    return run;
  }

  private async follow(row: DesiredRow): Promise<void> {
    const runtime = this.registry.get(row.id);
    // A row read before a newer command this runtime already followed is stale: skip it.
    if (!runtime || row.desiredGeneration < runtime.generation) return;
    if (row.desiredState === "running") {
      if (row.desiredGeneration === runtime.generation) return;
      runtime.generation = row.desiredGeneration;
      if (runtime.status === "failed") {
        // Started again after it failed here (e.g. restarts exhausted): reopen it afresh.
        await this.registry.release(row.id, "destroy");
        await this.claims.claim(row.id, { force: true });
        return;
      }
      // Already open here: the API marks the row `starting` on every init, so put the
      // runtime's real status back rather than leave the row saying `starting`.
      await publishSessionStatus(this.ctx, row.id, runtime.status);
      return;
    }
    const logout = row.desiredState === "logged_out";
    await this.registry.release(row.id, logout ? "logout" : "destroy", async () => {
      if (logout) await settleLogout(this.ctx, row.id, row.desiredGeneration);
      await publishSessionStatus(this.ctx, row.id, "stopped", { lastError: null });
    });
  }
}
