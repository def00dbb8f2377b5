import { type SessionStatus, sendQueueName } from "@wagate/contracts";
import { closeQueue } from "@wagate/core";
import { users, whatsappSessionAuth, whatsappSessions } from "@wagate/db";
import { Queue, Worker } from "bullmq";
import { eq } from "drizzle-orm";
import type { WorkerContext } from "../context.js";
import { PairingCodeError, type WhatsAppDriver } from "../drivers/types.js";
import { type DriverEvent, EventInbox } from "../events/inbox.js";
import { untilDatabaseAnswers } from "../events/retry.js";
import { downloadInboundMedia } from "../media/inbound.js";
import { answerCall } from "../rich/calls.js";
import { handleRichEvent } from "../rich/events.js";
import { resolvePacing, SessionPacer } from "../send/pacing.js";
import { runSendJob, type SendSession } from "../send/processor.js";
import { publishQr, publishSessionStatus } from "./publish.js";
import { AckApplier, recordInbound } from "./traffic.js";

type SessionRow = typeof whatsappSessions.$inferSelect;

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * How a session stops: `destroy` closes it and keeps the auth (shutdown, handover), `logout`
 * forgets the auth, `lost` is a lease lost to another worker, `crash` imitates a dead process
 * (tests): nothing is published, nothing is waited for.
 */
export type StopMode = "destroy" | "logout" | "lost" | "crash";

const ACTIVE_TOUCH_MS = 30_000;
/** The backfill reads a little before the session went down (clocks, in-flight events). */
const BACKFILL_MARGIN_MS = 60_000;

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
  private restartTimer: NodeJS.Timeout | undefined;
  private browserTimer: NodeJS.Timeout | undefined;
  /**
   * Since when the session may have missed inbound messages: when it last left `ready`, or
   * for a fresh claim of a session linked before, the row's `last_active_at`.
   */
  private downSince: Date | null;
  /** Restarts since the session was last `ready`. */
  private restarts = 0;
  private gaveUp = false;
  private lastTouch = 0;
  private takenJobs = 0;
  private readonly sendSession: SendSession;
  /**
   * The row's `desired_generation` this runtime has followed: a higher one on the row is a
   * command it has not acted on yet (see `DesiredStateFollower`).
   */
  generation: number;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly row: SessionRow,
    readonly token: number,
  ) {
    this.sessionId = row.id;
    this.generation = row.desiredGeneration;
    this.phoneNumber = row.phoneNumber;
    this.downSince = row.connectedAt ? (row.lastActiveAt ?? row.connectedAt) : null;
    this.pacer = new SessionPacer(
      row.driver === "simulator" ? ctx.options.simulatorPacing : ctx.options.pacing,
    );
    this.sendSession = {
      sessionId: row.id,
      userId: row.userId,
      token,
      wire: () => ({ name: this.row.name, phoneNumber: this.phoneNumber }),
      driver: () => this.requireDriver(),
      pacer: this.pacer,
      signal: this.abort.signal,
      isReady: () => this.status === "ready",
      batchSize: () => (this.pacer.unpaced ? ctx.options.sendBatchSize : 1),
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
    if (event.kind !== "message") return handleRichEvent(this.ctx, session, event);
    const backfilled = event.backfilled ? { backfilled: true } : {};
    if (!(await recordInbound(this.ctx, session, event.message, backfilled))) return;
    this.touchActive();
    const driver = this.driver;
    if (event.message.media && driver) {
      // After the row: the download never holds up the session's event inbox.
      void downloadInboundMedia(this.ctx, driver, this.sessionId, event.message).catch(
        (error: unknown) =>
          this.ctx.logger.warn({ err: error, sessionId: this.sessionId }, "inbound media"),
      );
    }
  }

  private requireDriver(): WhatsAppDriver {
    if (!this.driver) throw new Error("session driver not started");
    return this.driver;
  }

  /**
   * Loads the account's pacing, opens the driver and wires its events. A start that fails
   * leaves the session `failed` and in the hands of the restart backoff (see `restartLater`):
   * the lease stays here, so the session is not bounced between workers.
   */
  async start(): Promise<void> {
    this.inbox.start();
    const { browserCheckMs, browserMaxMemoryBytes, browserMaxAgeMs } = this.ctx.options;
    if (browserMaxMemoryBytes > 0 || browserMaxAgeMs > 0) {
      this.browserTimer = setInterval(() => {
        this.checkBrowser().catch((error) =>
          this.ctx.logger.warn({ err: error, sessionId: this.sessionId }, "browser check failed"),
        );
      }, browserCheckMs);
      this.browserTimer.unref();
    }
    try {
      await this.loadPacing();
      await this.setStatus("starting");
      await this.openDriver();
    } catch (error) {
      this.ctx.logger.error({ err: error, sessionId: this.sessionId }, "session failed to start");
      this.guard("start_failure", () => this.failed(`start failed: ${errorText(error)}`));
    }
  }

  get userId(): string {
    return this.row.userId;
  }

  /** (Re)reads the account's `users.pacing` over the worker's defaults for this driver. */
  async loadPacing(): Promise<void> {
    const [account] = await this.ctx.db
      .select({ pacing: users.pacing })
      .from(users)
      .where(eq(users.id, this.row.userId));
    if (this.row.driver === "webjs") {
      this.pacer.setPolicy(resolvePacing(this.ctx.options.pacing, account?.pacing));
    } else {
      this.pacer.setPolicy(resolvePacing(this.ctx.options.simulatorPacing, account?.pacing));
    }
  }

  /** The driver while the session is `ready` (rich-messaging operations), else null. */
  readyDriver(): WhatsAppDriver | null {
    return !this.stopped && this.status === "ready" ? (this.driver ?? null) : null;
  }

  /** A pairing code for `phone` (E.164) while the session waits for a scan. */
  async requestPairingCode(phone: string): Promise<string> {
    const driver = this.driver;
    if (this.stopped || !driver || this.status !== "qr") {
      throw new PairingCodeError(
        "not_waiting",
        `the session is not waiting to be linked (status ${this.status})`,
      );
    }
    if (!driver.requestPairingCode) {
      throw new PairingCodeError(
        "unsupported",
        `the ${driver.kind} driver cannot link by phone number`,
      );
    }
    return driver.requestPairingCode(phone);
  }

  /** Resident memory of the session's browser; null for drivers without one. */
  async browserMemoryBytes(): Promise<number | null> {
    const driver = this.driver;
    if (!driver?.browserMemoryBytes) return null;
    return driver.browserMemoryBytes().catch(() => null);
  }

  /** Recycles a ready session's browser above the memory limit or past the age limit. */
  private async checkBrowser(): Promise<void> {
    const driver = this.driver;
    if (this.stopped || this.status !== "ready" || !driver?.recycle) return;
    const { browserMaxMemoryBytes, browserMaxAgeMs } = this.ctx.options;
    let reason: "memory" | "age" | null = null;
    let detail = "";
    if (browserMaxMemoryBytes > 0 && driver.browserMemoryBytes) {
      const bytes = await driver.browserMemoryBytes();
      if (bytes > browserMaxMemoryBytes) {
        reason = "memory";
        detail = `browser uses ${Math.round(bytes / 1048576)} MiB (limit ${Math.round(browserMaxMemoryBytes / 1048576)} MiB)`;
      }
    }
    const age = driver.openedAt ? Date.now() - driver.openedAt : 0;
    if (!reason && browserMaxAgeMs > 0 && age > browserMaxAgeMs) {
      reason = "age";
      detail = `browser open for ${Math.round(age / 1000)} s (limit ${Math.round(browserMaxAgeMs / 1000)} s)`;
    }
    if (!reason) return;
    this.ctx.logger.info({ sessionId: this.sessionId, reason: detail }, "recycling the browser");
    this.ctx.metrics.browserRecycles.inc({ reason });
    await driver.recycle(`recycled: ${detail}`);
  }

  /** Creates the driver on first use (wiring its events) and starts it. */
  private async openDriver(): Promise<void> {
    if (this.stopped) return;
    const driver = this.driver ?? this.createDriver();
    await driver.start();
  }

  private createDriver(): WhatsAppDriver {
    const driver = this.ctx.driverFactory({
      id: this.row.id,
      userId: this.row.userId,
      driver: this.row.driver,
      mode: this.row.mode,
    });
    this.driver = driver;
    driver.on("qr", (qr) =>
      this.guard("qr", async () => {
        // Waiting for a scan is not a failure: no restart while a QR is shown.
        clearTimeout(this.restartTimer);
        if (this.status !== "qr") await this.setStatus("qr");
        await publishQr(this.ctx, this.sessionId, qr);
      }),
    );
    driver.on("ready", ({ phoneNumber }) =>
      this.guard("ready", async () => {
        clearTimeout(this.restartTimer);
        this.phoneNumber = phoneNumber ?? this.phoneNumber;
        await this.setStatus("ready", { phoneNumber: this.phoneNumber });
        this.restarts = 0;
        await this.startSending();
        const since = this.downSince;
        this.downSince = null;
        if (since) void this.backfill(since);
      }),
    );
    driver.on("disconnected", (reason) =>
      this.guard("disconnected", async () => {
        await this.sendWorker?.pause(true);
        this.markDown();
        const lastError = `disconnected: ${reason}`;
        await this.setStatus("disconnected", { lastError });
        await this.restartLater(lastError);
      }),
    );
    driver.on("auth_failure", (message) =>
      this.guard("auth_failure", () => this.failed(`authentication failed: ${message}`)),
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
    driver.on("reaction", (reaction) => {
      if (!this.stopped) this.inbox.submit({ kind: "reaction", reaction });
    });
    driver.on("poll_vote", (vote) => {
      if (!this.stopped) this.inbox.submit({ kind: "poll_vote", vote });
    });
    driver.on("call", (call) => {
      // Rejected at once (the call will not wait); its event goes through the inbox.
      const session = { ...this.row, sessionId: this.sessionId, phoneNumber: this.phoneNumber };
      if (this.stopped) return;
      void answerCall(this.ctx, session, driver, call).then((outcome) =>
        this.inbox.submit({ kind: "call_received", call, ...outcome }),
      );
    });
    driver.on("group_participants", (change) => {
      if (!this.stopped) this.inbox.submit({ kind: "group_participants", change });
    });
    driver.on("group_update", (change) => {
      if (!this.stopped) this.inbox.submit({ kind: "group_update", change });
    });
    return driver;
  }

  private markDown(): void {
    if (this.status === "ready") this.downSince = this.ctx.now();
  }

  /**
   * After a reconnect: inbound messages received while the session was down are read from
   * the recent chats (drivers that can) and recorded through the inbox, deduplicated by
   * WhatsApp id, their `message.received` webhooks marked `backfilled: true`.
   */
  private async backfill(since: Date): Promise<void> {
    const driver = this.driver;
    if (!driver?.fetchMissed || this.stopped) return;
    try {
      const missed = await driver.fetchMissed(new Date(since.getTime() - BACKFILL_MARGIN_MS));
      for (const message of missed) {
        if (this.stopped) return;
        this.inbox.submit({ kind: "message", message, backfilled: true });
      }
      this.ctx.logger.info(
        { sessionId: this.sessionId, since, fetched: missed.length },
        "inbound backfill after reconnect",
      );
    } catch (error) {
      this.downSince ??= since; // try again at the next reconnect
      this.ctx.logger.warn({ err: error, sessionId: this.sessionId }, "inbound backfill failed");
    }
  }

  /** The session is `failed` with `reason`; a restart follows (within the cap). */
  private async failed(reason: string): Promise<void> {
    await this.sendWorker?.pause(true);
    this.markDown();
    await this.setStatus("failed", { lastError: reason });
    await this.restartLater(reason);
  }

  /**
   * Schedules the next restart of a failed or disconnected session: the first after
   * `reconnectDelayMs`, each next one twice as late (at most `restartMaxDelayMs`). After
   * `restartMaxAttempts` restarts without reaching `ready`, the session stays `failed` with
   * the reason (its driver closed, its lease kept) until it is started again. A driver that
   * recovers by itself (the webjs watchdog) is `ready` by then and is left alone.
   */
  private async restartLater(reason: string): Promise<void> {
    if (this.stopped) return;
    clearTimeout(this.restartTimer);
    const { reconnectDelayMs, restartMaxDelayMs, restartMaxAttempts } = this.ctx.options;
    if (this.restarts >= restartMaxAttempts) {
      await this.giveUp(reason);
      return;
    }
    const delay = Math.min(restartMaxDelayMs, reconnectDelayMs * 2 ** this.restarts);
    this.restarts += 1;
    const attempt = this.restarts;
    this.restartTimer = setTimeout(
      () => this.guard("restart", () => this.restart(attempt, reason)),
      delay,
    );
    this.restartTimer.unref();
  }

  private async restart(attempt: number, reason: string): Promise<void> {
    if (this.status === "ready" || this.status === "qr") return;
    this.ctx.logger.info(
      { sessionId: this.sessionId, attempt, reason },
      "restarting a failed or disconnected session",
    );
    this.ctx.metrics.sessionRestarts.inc();
    await this.driver?.stop().catch(() => {});
    await this.setStatus("starting");
    try {
      await this.openDriver();
    } catch (error) {
      await this.failed(`restart ${attempt} failed: ${errorText(error)}`);
    }
  }

  private async giveUp(reason: string): Promise<void> {
    this.gaveUp = true;
    const max = this.ctx.options.restartMaxAttempts;
    this.ctx.logger.error(
      { sessionId: this.sessionId, restarts: max, reason },
      "session restarts exhausted; it stays failed until started again",
    );
    this.ctx.metrics.sessionGaveUp.inc();
    await this.driver?.stop().catch(() => {});
    await this.setStatus("failed", {
      lastError: `gave up after ${max} restarts: ${reason}`.slice(0, 1000),
    });
  }

  /** True once the restarts are exhausted (a `start` command reopens the session). */
  get exhausted(): boolean {
    return this.gaveUp;
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
        const outcome = await runSendJob(this.ctx, this.sendSession, job, jobToken, () =>
          this.takeNextJob(),
        );
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

  /**
   * The next waiting job of the session's queue, taken by hand in queue order (a send batch;
   * BullMQ's own loop takes nothing meanwhile at concurrency 1); undefined when none waits.
   */
  private async takeNextJob() {
    const worker = this.sendWorker;
    if (!worker || this.stopped) return undefined;
    const token = `${worker.id}:batch:${++this.takenJobs}`;
    const job = await worker.getNextJob(token, { block: false });
    return job ? { job, token } : undefined;
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
    clearTimeout(this.restartTimer);
    clearInterval(this.browserTimer);
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
