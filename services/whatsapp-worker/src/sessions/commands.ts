import {
  type PairingCodeCommand,
  type SessionChannelCommand,
  sessionChannelCommandSchema,
  sessionCommandChannel,
  sessionReplyChannel,
} from "@wagate/contracts";
import type { Redis } from "ioredis";
import type { WorkerContext } from "../context.js";
import { PairingCodeError } from "../drivers/types.js";
import { answerDriverOp } from "../rich/driver-ops.js";
import type { DesiredStateFollower } from "./desired.js";
import type { SessionRegistry } from "./registry.js";

/**
 * Listens on the owners' channel `${prefix}:session-cmd`: the nudge after a session command
 * (`sync`, handed to the `DesiredStateFollower`), a pairing-code request (answered by the
 * owner only, once, on the reply channel), and a pacing change (every owner re-reads
 * `users.pacing` for that account's sessions). Pub/sub is fire-and-forget: what a nudge asks
 * is in the row anyway; pairing codes and pacing are asked again by their callers.
 */
export class CommandChannel {
  private subscriber: Redis | undefined;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly registry: SessionRegistry,
    private readonly follower: DesiredStateFollower,
  ) {}

  async listen(): Promise<void> {
    this.subscriber = this.ctx.redis.duplicate();
    this.subscriber.on("message", (_channel, body: string) => this.dispatch(body));
    await this.subscriber.subscribe(sessionCommandChannel(this.ctx.redisPrefix));
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => {});
  }

  /** Drops the connection at once (a crash). */
  disconnect(): void {
    this.subscriber?.disconnect();
  }

  private dispatch(body: string): void {
    let command: SessionChannelCommand;
    try {
      command = sessionChannelCommandSchema.parse(JSON.parse(body));
    } catch {
      return;
    }
    if (command.action === "pacing") {
      void this.reloadPacing(command.userId);
    } else if (command.action === "pairing_code") {
      if (this.registry.owns(command.sessionId)) void this.answerPairingCode(command);
    } else if (command.action === "driver_op") {
      const runtime = this.registry.get(command.sessionId);
      if (runtime) void answerDriverOp(this.ctx, runtime.readyDriver(), command);
    } else {
      void this.follower.nudge(command.sessionId);
    }
  }

  /** Re-reads the account's pacing for each of its sessions this worker owns. */
  private async reloadPacing(userId: string): Promise<void> {
    for (const runtime of this.registry.owned) {
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
    const runtime = this.registry.get(command.sessionId);
    if (!runtime) return;
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
}
