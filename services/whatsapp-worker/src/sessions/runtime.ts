import { type SessionStatus, sendQueueName } from "@wagate/contracts";
import { closeQueue } from "@wagate/core";
import { users, whatsappSessionAuth, whatsappSessions } from "@wagate/db";
import { Queue, Worker } from "bullmq";
import { eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import type { WhatsAppDriver } from "../drivers/types.js";
import { type DriverEvent, EventInbox } from "../events/inbox.js";
import { untilDatabaseAnswers } from "../events/retry.js";
import { resolvePacing, SessionPacer } from "../send/pacing.js";
import { runSendJob, type SendSession } from "../send/processor.js";
import { publishQr, publishSessionStatus } from "./publish.js";
import { AckApplier, recordInbound } from "./traffic.js";

type SessionRow = typeof whatsappSessions.$inferSelect;

/**
 * How a session stops: `destroy` closes it and keeps the auth (shutdown, handover), `logout`
 * forgets the auth, `lost` is a lease lost to another worker, `crash` imitates a dead process
 * (tests): nothing is published, nothing is waited for.
 */
export type StopMode = "destroy" | "logout" | "lost" | "crash";

const ACTIVE_TOUCH_MS = 30_000;

/** One session this worker owns: its driver, its send consumer and its pacer. */
export class SessionRuntime {
  readonly sessionId: string;
  status: SessionStatus = "starting";
  private driver: WhatsAppDriver | undefined;
  private sendWorker: Worker | undefined;
  private queue: Queue | undefined;
  private readonly abort = new AbortController();
  private readonly pacer: SessionPacer;
  private readonly acks: AckApplier;
  private readonly inbox: EventInbox;
  private phoneNumber: string | null;
  private stopped = false;
  private lifecycle: Promise<void> = Promise.resolve();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lastTouch = 0;
  private readonly sendSession: SendSession;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly row: SessionRow,
    readonly token: number,
  ) {
    this.sessionId = row.id;
    this.phoneNumber = row.phoneNumber;
    this.pacer = new SessionPacer(
      row.driver === "simulator" ? ctx.options.simulatorPacing : ctx.options.pacing,
    );
    this.sendSession = {
      sessionId: row.id,
      token,
      wire: () => ({ name: this.row.name, phoneNumber: this.phoneNumber }),
      driver: () => this.requireDriver(),
      pacer: this.pacer,
      signal: this.abort.signal,
      isReady: () => this.status === "ready",
      flushPendingAcks: (waMessageId) => this.acks.flush(waMessageId),
    };
    this.acks = new AckApplier(ctx, this.sendSession, (ack) =>
      this.inbox.submit({ kind: "ack", ack }),
    );
    this.inbox = new EventInbox(ctx, row.id, (event) => this.handleEvent(event));
  }

  /** Applies one ack or inbound message; throws when Postgres fails (the inbox retries). */
  private async handleEvent(event: DriverEvent): Promise<void> {
    if (event.kind === "ack") {
      await this.acks.push(event.ack);
      return;
    }
    const session = { ...this.row, sessionId: this.sessionId, phoneNumber: this.phoneNumber };
    const backfilled = event.backfilled ? { backfilled: true } : {};
    if (await recordInbound(this.ctx, session, event.message, backfilled)) this.touchActive();
  }

  private requireDriver(): WhatsAppDriver {
    if (!this.driver) throw new Error("session driver not started");
    return this.driver;
  }

  /** Loads the account's pacing, opens the driver and wires its events. */
  async start(): Promise<void> {
    const [account] = await this.ctx.db
      .select({ pacing: users.pacing })
      .from(users)
      .where(eq(users.id, this.row.userId));
    if (this.row.driver === "webjs") {
      this.pacer.setPolicy(resolvePacing(this.ctx.options.pacing, account?.pacing));
    } else if (account?.pacing) {
      this.pacer.setPolicy(resolvePacing(this.ctx.options.simulatorPacing, account.pacing));
    }
    await this.setStatus("starting");
    const driver = this.ctx.driverFactory({
      id: this.row.id,
      userId: this.row.userId,
      driver: this.row.driver,
      mode: this.row.mode,
    });
    this.driver = driver;
    driver.on("qr", (qr) =>
      this.guard("qr", async () => {
        if (this.status !== "qr") await this.setStatus("qr");
        await publishQr(this.ctx, this.sessionId, qr);
      }),
    );
    driver.on("ready", ({ phoneNumber }) =>
      this.guard("ready", async () => {
        this.phoneNumber = phoneNumber ?? this.phoneNumber;
        await this.setStatus("ready", { phoneNumber: this.phoneNumber });
        await this.startSending();
      }),
    );
    driver.on("disconnected", (reason) =>
      this.guard("disconnected", async () => {
        await this.sendWorker?.pause(true);
        await this.setStatus("disconnected", { lastError: `disconnected: ${reason}` });
        this.scheduleReconnect();
      }),
    );
    driver.on("auth_failure", (message) =>
      this.guard("auth_failure", async () => {
        await this.sendWorker?.pause(true);
        await this.setStatus("failed", { lastError: `authentication failed: ${message}` });
      }),
    );
    driver.on("state", (state) =>
      this.ctx.logger.debug({ sessionId: this.sessionId, state }, "driver state"),
    );
    driver.on("ack", (ack) => {
      if (!this.stopped) this.inbox.submit({ kind: "ack", ack });
    });
    driver.on("message", (message) => {
      if (!this.stopped) this.inbox.submit({ kind: "message", message });
    });
    this.inbox.start();
    await driver.start();
  }

  /**
   * A session still disconnected after `reconnectDelayMs` gets its driver reopened (auth
   * kept; a logged-out device shows a new QR). A driver that recovers by itself (the webjs
   * watchdog) is `ready` again by then and is left alone.
   */
  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.guard("reconnect", async () => {
        if (this.status !== "disconnected" || !this.driver) return;
        this.ctx.logger.info({ sessionId: this.sessionId }, "reopening a disconnected session");
        await this.driver.stop().catch(() => {});
        await this.setStatus("starting");
        await this.driver.start();
      });
    }, this.ctx.options.reconnectDelayMs);
    this.reconnectTimer.unref();
  }

  /**
   * Runs a lifecycle event's `fn` (qr, ready, disconnected, ...) unless stopped, one after
   * another in arrival order, so a late QR write can never overwrite `ready`. While Postgres
   * does not answer, `fn` is retried with backoff (it only writes what it would write again);
   * a failure with the database answering is logged. Acks and inbound messages go through
   * the `EventInbox` instead.
   */
  private guard(event: string, fn: () => Promise<void>): void {
    if (this.stopped) return;
    const log = (error: unknown) =>
      this.ctx.logger.error(
        { err: error, sessionId: this.sessionId, event },
        "driver event handling failed",
      );
    this.lifecycle = this.lifecycle
      .then(() =>
        this.stopped ? undefined : untilDatabaseAnswers(this.ctx, fn, this.abort.signal),
      )
      .catch(log);
  }

  private async setStatus(
    status: SessionStatus,
    change: { phoneNumber?: string | null; lastError?: string | null } = {},
  ) {
    this.status = status;
    await publishSessionStatus(this.ctx, this.sessionId, status, change);
  }

  private async startSending(): Promise<void> {
    if (this.stopped) return;
    if (this.sendWorker) {
      this.sendWorker.resume();
      return;
    }
    const name = sendQueueName(this.sessionId);
    this.queue = new Queue(name, { connection: this.ctx.redis, prefix: this.ctx.redisPrefix });
    this.sendWorker = new Worker(
      name,
      async (job, jobToken) => {
        const outcome = await runSendJob(this.ctx, this.sendSession, job, jobToken);
        if (outcome === "sent") this.touchActive();
        return outcome;
      },
      {
        connection: this.ctx.redis,
        prefix: this.ctx.redisPrefix,
        // One at a time keeps the session's order and its pacing honest.
        concurrency: 1,
        lockDuration: this.ctx.options.jobLockMs,
        stalledInterval: this.ctx.options.stalledIntervalMs,
        // A job stalls once per crashed owner; several crashes in a row are possible.
        maxStalledCount: 10,
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
    this.sendWorker.on("error", (error) =>
      this.ctx.logger.error({ err: error, sessionId: this.sessionId }, "send worker error"),
    );
    this.sendWorker.on("failed", (job, error) =>
      this.ctx.logger.warn(
        { err: error, sessionId: this.sessionId, jobId: job?.id },
        "send job failed",
      ),
    );
  }

  /** Moves `last_active_at` on traffic, at most every 30 s (status changes move it too). */
  private touchActive(): void {
    const now = this.ctx.now();
    if (now.getTime() - this.lastTouch < ACTIVE_TOUCH_MS) return;
    this.lastTouch = now.getTime();
    void this.ctx.db
      .update(whatsappSessions)
      .set({ lastActiveAt: now })
      .where(eq(whatsappSessions.id, this.sessionId))
      .catch((error) =>
        this.ctx.logger.warn(
          { err: error, sessionId: this.sessionId },
          "last_active_at not updated",
        ),
      );
  }

  /** Counts of the send queue, for the queue metrics. */
  async queueSample() {
    if (!this.queue) return null;
    const counts = await this.queue.getJobCounts("wait", "delayed", "active");
    const [oldest] = await this.queue.getJobs(["wait"], -1, -1, true);
    return {
      waiting: counts.wait ?? 0,
      delayed: counts.delayed ?? 0,
      active: counts.active ?? 0,
      oldestAgeSeconds: oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0,
    };
  }

  /** Stops the session (see `StopMode`). */
  async stop(mode: StopMode): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.abort.abort();
    await this.inbox.stop();
    const hard = mode === "crash" || mode === "lost";
    // Graceful: let the in-flight send finish and be recorded; hard: drop it (the job stays
    // in BullMQ and the next owner picks it up after its lock expires).
    await closeQueue(this.sendWorker, hard).catch(() => {});
    await closeQueue(this.queue).catch(() => {});
    if (this.driver) {
      if (mode === "logout") {
        await this.driver
          .logout()
          .catch((error) =>
            this.ctx.logger.warn({ err: error, sessionId: this.sessionId }, "driver logout failed"),
          );
      } else {
        await this.driver.stop().catch(() => {});
      }
      this.driver.removeAllListeners();
    }
    if (mode === "logout") {
      await this.ctx.db
        .delete(whatsappSessionAuth)
        .where(eq(whatsappSessionAuth.sessionId, this.sessionId));
    }
  }
}
