import {
  logoutMarkerKey,
  type PairingCodeCommand,
  QUEUES,
  type SessionChannelCommand,
  type SessionCommand,
  sessionChannelCommandSchema,
  sessionCommandChannel,
  sessionReplyChannel,
} from "@wagate/contracts";
import { closeQueue } from "@wagate/core";
import { whatsappSessions } from "@wagate/db";
import { Queue } from "bullmq";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { WorkerContext } from "../context.js";
import { PairingCodeError } from "../drivers/types.js";
import { answerDriverOp } from "../rich/driver-ops.js";
import { SessionLease } from "./lease.js";
import { retakeLostLease } from "./lease-retake.js";
import { publishSessionStatus } from "./publish.js";
import { SessionRuntime, type StopMode } from "./runtime.js";

/**
 * Owns sessions for this process: claims running sessions nobody holds (up to
 * `maxSessions`), renews their leases by heartbeat, stops a session at once when its lease
 * is lost, and follows `desired_state` and commands on the `session-cmd` channel.
 */
export class SessionManager {
  readonly lease: SessionLease;
  private readonly runtimes = new Map<string, SessionRuntime>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private claimTimer: NodeJS.Timeout | undefined;
  private subscriber: Redis | undefined;
  private claiming = false;
  private claimRunning: Promise<void> | undefined;
  private heartbeatRunning: Promise<void> | undefined;
  private controlQueue: Queue | undefined;

  constructor(private readonly ctx: WorkerContext) {
    this.lease = new SessionLease(ctx.redis, ctx.redisPrefix, ctx.workerId, ctx.options.leaseTtlMs);
  }

  get owned(): SessionRuntime[] {
    return [...this.runtimes.values()];
  }

  owns(sessionId: string): boolean {
    return this.runtimes.has(sessionId);
  }

  runtime(sessionId: string): SessionRuntime | undefined {
    return this.runtimes.get(sessionId);
  }

  async start(): Promise<void> {
    this.claiming = true;
    this.subscriber = this.ctx.redis.duplicate();
    this.subscriber.on("message", (_channel, body: string) => {
      let command: SessionChannelCommand;
      try {
        command = sessionChannelCommandSchema.parse(JSON.parse(body));
      } catch {
        return;
      }
      if (command.action === "pacing") {
        void this.reloadPacing(command.userId);
        return;
      }
      if (command.action === "pairing_code") {
        if (this.runtimes.has(command.sessionId)) void this.answerPairingCode(command);
        return;
      }
      if (command.action === "driver_op") {
        const runtime = this.runtimes.get(command.sessionId);
        if (runtime) void answerDriverOp(this.ctx, runtime.readyDriver(), command);
        return;
      }
      if (this.runtimes.has(command.sessionId)) {
        void this.handleCommand(command).catch((error) =>
          this.ctx.logger.error({ err: error, ...command }, "session command failed"),
        );
      }
    });
    await this.subscriber.subscribe(sessionCommandChannel(this.ctx.redisPrefix));
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.ctx.options.heartbeatMs);
    this.claimTimer = setInterval(() => void this.claimAll(), this.ctx.options.claimIntervalMs);
    await this.claimAll();
  }

  /** Claims every running session nobody owns, while this worker has room. */
  claimAll(): Promise<void> {
    if (!this.claiming) return Promise.resolve();
    if (this.claimRunning) return this.claimRunning;
    this.claimRunning = (async () => {
      try {
        if (this.runtimes.size >= this.ctx.options.maxSessions) return;
        const rows = await this.ctx.db
          .select({ id: whatsappSessions.id })
          .from(whatsappSessions)
          .where(eq(whatsappSessions.desiredState, "running"))
          .orderBy(asc(whatsappSessions.updatedAt))
          .limit(500);
        for (const { id } of rows) {
          if (!this.claiming || this.runtimes.size >= this.ctx.options.maxSessions) break;
          if (!this.runtimes.has(id)) await this.claim(id);
        }
      } catch (error) {
        this.ctx.logger.error({ err: error }, "session claim scan failed");
      } finally {
        this.claimRunning = undefined;
      }
    })();
    return this.claimRunning;
  }

  /** Takes the session's lease if free and this worker has room, then opens it. */
  async claim(sessionId: string): Promise<boolean> {
    if (!this.claiming || this.runtimes.has(sessionId)) return this.runtimes.has(sessionId);
    if (this.runtimes.size >= this.ctx.options.maxSessions) return false;
    const [row] = await this.ctx.db
      .select()
      .from(whatsappSessions)
      .where(eq(whatsappSessions.id, sessionId));
    if (row?.desiredState !== "running") return false;
    const token = await this.lease.acquire(sessionId, row.leaseToken ?? 0);
    if (token === null) return false;
    const runtime = new SessionRuntime(this.ctx, row, token);
    this.runtimes.set(sessionId, runtime);
    await this.mirrorLease(sessionId, token);
    this.ctx.logger.info({ sessionId, token }, "session claimed");
    // A start that fails leaves the runtime `failed`, restarting with backoff (it keeps the
    // lease, so the session is not bounced between workers).
    await runtime.start();
    return true;
  }

  private async mirrorLease(sessionId: string, token: number | null): Promise<void> {
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

  /** Renews every lease; a lost one stops its session at once. Then follows desired_state. */
  heartbeat(): Promise<void> {
    // One at a time: a slow round must not overlap the next tick.
    this.heartbeatRunning ??= this.beat().finally(() => {
      this.heartbeatRunning = undefined;
    });
    return this.heartbeatRunning;
  }

  private async beat(): Promise<void> {
    const runtimes = this.owned;
    const renewed = await Promise.all(
      runtimes.map((runtime) =>
        this.lease.renew(runtime.sessionId, runtime.token).catch((error) => {
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
        if (this.runtimes.get(runtime.sessionId) !== runtime) return;
        if (!renewed[i]) {
          // Gone with Redis's data rather than taken: keep the session, same token.
          const { redis, redisPrefix } = this.ctx;
          const retaken = await retakeLostLease(redis, redisPrefix, this.lease, runtime).catch(
            () => false,
          );
          if (retaken) {
            this.ctx.logger.warn(
              { sessionId: runtime.sessionId },
              "session lease gone; taken back",
            );
            return;
          }
          this.ctx.logger.warn({ sessionId: runtime.sessionId }, "session lease lost; stopping it");
          this.runtimes.delete(runtime.sessionId);
          await runtime.stop("lost");
          return;
        }
        await this.mirrorLease(runtime.sessionId, runtime.token).catch(() => {});
      }),
    );
    const ids = [...this.runtimes.keys()];
    if (ids.length === 0) return;
    try {
      const rows = await this.ctx.db
        .select({ id: whatsappSessions.id })
        .from(whatsappSessions)
        .where(
          and(inArray(whatsappSessions.id, ids), eq(whatsappSessions.desiredState, "stopped")),
        );
      for (const { id } of rows) {
        // A logout command on its way is handled by the control consumer (it forgets the auth).
        if (await this.logoutQueued(id)) continue;
        await this.handleCommand({ sessionId: id, action: "stop" });
      }
    } catch (error) {
      this.ctx.logger.error({ err: error }, "desired-state check failed");
    }
  }

  /** True while a `logout-<id>` job (the API's job id) waits in the session-control queue. */
  private async logoutQueued(sessionId: string): Promise<boolean> {
    this.controlQueue ??= new Queue(QUEUES.sessionControl, {
      connection: this.ctx.redis,
      prefix: this.ctx.redisPrefix,
    });
    const job = await this.controlQueue.getJob(`logout-${sessionId}`).catch(() => undefined);
    if (!job) return false;
    const state = await job.getState();
    return ["waiting", "delayed", "prioritized", "active"].includes(state);
  }

  /** Re-reads the account's pacing for each of its sessions this worker owns. */
  private async reloadPacing(userId: string): Promise<void> {
    for (const runtime of this.owned) {
      if (runtime.userId !== userId) continue;
      await runtime
        .loadPacing()
        .catch((error) =>
          this.ctx.logger.warn({ err: error, sessionId: runtime.sessionId }, "pacing not reloaded"),
        );
    }
  }

  /** Asks the session's driver for a pairing code and publishes the answer on the reply channel. */
  private async answerPairingCode(command: PairingCodeCommand): Promise<void> {
    const runtime = this.runtimes.get(command.sessionId);
    if (!runtime || typeof command.replyId !== "string" || typeof command.phone !== "string") {
      return;
    }
    let reply: Record<string, unknown>;
    try {
      reply = { ok: true, code: await runtime.requestPairingCode(command.phone) };
    } catch (error) {
      const reason = error instanceof PairingCodeError ? error.reason : "failed";
      const message = error instanceof Error ? error.message : String(error);
      this.ctx.logger.warn(
        { sessionId: command.sessionId, reason, err: error },
        "pairing code request failed",
      );
      reply = { ok: false, reason, message: message.slice(0, 300), status: runtime.status };
    }
    await this.ctx.redis
      .publish(sessionReplyChannel(this.ctx.redisPrefix, command.replyId), JSON.stringify(reply))
      .catch((error) =>
        this.ctx.logger.warn({ err: error, sessionId: command.sessionId }, "reply not published"),
      );
  }

  /** Stop or logout of a session this worker owns (a pending logout marker wins over stop). */
  async handleCommand(command: SessionCommand): Promise<void> {
    const runtime = this.runtimes.get(command.sessionId);
    if (!runtime) return;
    if (command.action === "start") {
      // Already open here: the API marks the row `starting` on every init, so put the
      // runtime's real status back rather than leave the row saying `starting`.
      if (runtime.status !== "failed") {
        await publishSessionStatus(this.ctx, command.sessionId, runtime.status);
        return;
      }
      // A start for a session that failed here (e.g. restarts exhausted): reopen it afresh.
      await this.release(command.sessionId, "destroy");
      await this.claim(command.sessionId);
      return;
    }
    const marker = logoutMarkerKey(this.ctx.redisPrefix, command.sessionId);
    const logout = command.action === "logout" || (await this.ctx.redis.exists(marker)) === 1;
    await this.release(command.sessionId, logout ? "logout" : "destroy", () =>
      publishSessionStatus(this.ctx, command.sessionId, "stopped", { lastError: null }),
    );
    if (logout) await this.ctx.redis.del(marker);
  }

  /** Stops our runtime of the session and gives the lease back. */
  private async release(
    sessionId: string,
    mode: StopMode,
    beforeRelease?: () => Promise<void>,
  ): Promise<void> {
    const runtime = this.runtimes.get(sessionId);
    if (!runtime) return;
    this.runtimes.delete(sessionId);
    await runtime.stop(mode);
    // Published while the lease is still ours, so it cannot overwrite the next owner's status.
    await beforeRelease?.().catch(() => {});
    await this.lease.release(sessionId, runtime.token).catch(() => false);
    await this.mirrorLease(sessionId, null).catch(() => {});
  }

  /**
   * Graceful shutdown: stop claiming, let in-flight sends finish, close drivers keeping
   * their auth, give every lease back so another worker takes the sessions over at once.
   */
  async shutdown(): Promise<void> {
    this.claiming = false;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.claimTimer);
    await this.claimRunning;
    await this.subscriber?.quit().catch(() => {});
    await closeQueue(this.controlQueue).catch(() => {});
    await Promise.all(
      this.owned.map((runtime) =>
        this.release(runtime.sessionId, "destroy", () =>
          publishSessionStatus(this.ctx, runtime.sessionId, "disconnected", {
            lastError: "worker shut down; another worker takes the session over",
          }),
        ),
      ),
    );
  }

  /** Imitates a killed process (tests): everything stops, no lease is released. */
  async crash(): Promise<void> {
    this.claiming = false;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.claimTimer);
    this.subscriber?.disconnect();
    await closeQueue(this.controlQueue).catch(() => {});
    const runtimes = this.owned;
    this.runtimes.clear();
    await Promise.all(runtimes.map((runtime) => runtime.stop("crash")));
  }
}
