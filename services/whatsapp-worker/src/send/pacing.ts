import { setTimeout as sleep } from "node:timers/promises";

/** Pacing policy of one session. */
export interface PacingPolicy {
  /** Sustained sends per minute (token refill rate). Default 20. */
  perMinute: number;
  /** Sends allowed back to back before the rate applies (bucket size). Default 5. */
  burst: number;
  /** Least time between two messages to the same recipient. Default 3000 ms. */
  minGapMs: number;
  /** Random extra wait, 0..jitterMs, added whenever a send has to wait. Default 1500 ms. */
  jitterMs: number;
  /** Pause of the whole session when WhatsApp signals rate limiting. Default 60000 ms. */
  rateLimitPauseMs: number;
  /**
   * "Typing before send": show typing for this long per character of a text before sending
   * it (looks human). Default 0 (off).
   */
  typingMsPerChar: number;
  /** Longest typing shown before one send. Default 8000 ms. */
  typingMaxMs: number;
}

export const DEFAULT_PACING: PacingPolicy = {
  perMinute: 20,
  burst: 5,
  minGapMs: 3000,
  jitterMs: 1500,
  rateLimitPauseMs: 60_000,
  typingMsPerChar: 0,
  typingMaxMs: 8000,
};

/** No pacing at all: the simulator's fast profile (tests, benchmarks). */
export const NO_PACING: PacingPolicy = {
  perMinute: Number.POSITIVE_INFINITY,
  burst: 1,
  minGapMs: 0,
  jitterMs: 0,
  rateLimitPauseMs: 0,
  typingMsPerChar: 0,
  typingMaxMs: 0,
};

const OVERRIDE_KEYS: Record<string, keyof PacingPolicy> = {
  per_minute: "perMinute",
  perMinute: "perMinute",
  burst: "burst",
  min_gap_ms: "minGapMs",
  minGapMs: "minGapMs",
  jitter_ms: "jitterMs",
  jitterMs: "jitterMs",
  rate_limit_pause_ms: "rateLimitPauseMs",
  rateLimitPauseMs: "rateLimitPauseMs",
  typing_ms_per_char: "typingMsPerChar",
  typingMsPerChar: "typingMsPerChar",
  typing_max_ms: "typingMaxMs",
  typingMaxMs: "typingMaxMs",
};

/**
 * Applies an account's `users.pacing` JSON (`{per_minute, burst, min_gap_ms, jitter_ms,
 * rate_limit_pause_ms, typing_ms_per_char, typing_max_ms}`) over the defaults; unknown keys and non-positive rates are ignored.
 */
export function resolvePacing(
  defaults: PacingPolicy,
  overrides: Record<string, number> | null | undefined,
): PacingPolicy {
  const policy = { ...defaults };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    const field = OVERRIDE_KEYS[key];
    if (!field || typeof value !== "number" || !Number.isFinite(value) || value < 0) continue;
    if ((field === "perMinute" || field === "burst") && value <= 0) continue;
    policy[field] = value;
  }
  return policy;
}

export interface PacerClock {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
}

const realClock: PacerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
  random: Math.random,
};

/**
 * Token bucket with jitter, a minimum gap per recipient, and a pause on rate limiting,
 * for one session. Lives in the owning worker's memory: only the owner sends.
 */
export class SessionPacer {
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private readonly lastSendTo = new Map<string, number>();
  /** Last send of each broadcast that has its own `rate`, by broadcast id. */
  private readonly lastSendOf = new Map<string, number>();

  constructor(
    private policy: PacingPolicy,
    private readonly clock: PacerClock = realClock,
  ) {
    this.tokens = policy.burst;
    this.refilledAt = clock.now();
  }

  setPolicy(policy: PacingPolicy): void {
    this.policy = policy;
    this.tokens = Math.min(this.tokens, policy.burst);
  }

  /**
   * True when nothing makes a send wait but a rate-limit pause: no rate, no gap per
   * recipient, no typing (e.g. `NO_PACING`). Only such sessions send in batches.
   */
  get unpaced(): boolean {
    const p = this.policy;
    return !Number.isFinite(p.perMinute) && p.minGapMs <= 0 && p.typingMsPerChar <= 0;
  }

  /** How long to show typing before sending `text` (0: typing before send is off). */
  typingMs(text: string | null): number {
    if (!text || this.policy.typingMsPerChar <= 0) return 0;
    return Math.min(this.policy.typingMaxMs, Math.ceil(text.length * this.policy.typingMsPerChar));
  }

  /** Stops every send of the session for `ms` (default: the policy's rate-limit pause). */
  pause(ms = this.policy.rateLimitPauseMs): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  get pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.clock.now());
  }

  private refill(now: number): void {
    const rate = this.policy.perMinute / 60_000;
    if (!Number.isFinite(rate)) {
      this.tokens = this.policy.burst;
    } else {
      this.tokens = Math.min(this.policy.burst, this.tokens + (now - this.refilledAt) * rate);
    }
    this.refilledAt = now;
  }

  /**
   * How long a send to `recipient` must wait now (0: may go), without jitter; `spacing` is a
   * broadcast's own slower rate: one send per `everyMs` of that broadcast.
   */
  waitFor(recipient: string, spacing?: BroadcastSpacing): number {
    const now = this.clock.now();
    this.refill(now);
    let wait = Math.max(0, this.pausedUntil - now);
    if (this.tokens < 1)
      wait = Math.max(wait, (1 - this.tokens) / (this.policy.perMinute / 60_000));
    const last = this.lastSendTo.get(recipient);
    if (last !== undefined) wait = Math.max(wait, last + this.policy.minGapMs - now);
    const previous = spacing && this.lastSendOf.get(spacing.broadcastId);
    if (spacing && previous !== undefined) wait = Math.max(wait, previous + spacing.everyMs - now);
    return Math.ceil(wait);
  }

  /**
   * Waits until a send to `recipient` (of the broadcast `spacing` names, if any) may go, then
   * takes a token for it. A broadcast's jobs are scheduled at its rate, but jobs that fell due
   * together (the worker was down, Redis lost them and they were enqueued again) would
   * otherwise go at the session's pace: the spacing holds the broadcast's rate here too.
   */
  async take(recipient: string, signal?: AbortSignal, spacing?: BroadcastSpacing): Promise<void> {
    for (;;) {
      const wait = this.waitFor(recipient, spacing);
      if (wait <= 0) break;
      await this.clock.sleep(wait + Math.floor(this.clock.random() * this.policy.jitterMs), signal);
    }
    const now = this.clock.now();
    this.tokens -= 1;
    this.lastSendTo.set(recipient, now);
    if (this.lastSendTo.size > 10_000) this.prune(now);
    if (spacing) {
      this.lastSendOf.set(spacing.broadcastId, now);
      if (this.lastSendOf.size > 1_000) {
        for (const [id, at] of this.lastSendOf)
          if (at + 3_600_000 < now) this.lastSendOf.delete(id);
      }
    }
  }

  private prune(now: number): void {
    for (const [recipient, at] of this.lastSendTo) {
      if (at + this.policy.minGapMs < now) this.lastSendTo.delete(recipient);
    }
  }
}

/** A broadcast's own pace: at most one of its sends per `everyMs`. */
export interface BroadcastSpacing {
  broadcastId: string;
  everyMs: number;
}

/** The spacing of a claimed message's broadcast, when that broadcast set a `rate`. */
export function broadcastSpacing(
  broadcastId: string | null,
  ratePerMinute: number | null,
): BroadcastSpacing | undefined {
  if (!broadcastId || !ratePerMinute || ratePerMinute <= 0) return undefined;
  return { broadcastId, everyMs: 60_000 / ratePerMinute };
}
