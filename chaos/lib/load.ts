import { randomUUID } from "node:crypto";
import { sleep } from "./procs.js";

/** One HTTP answer (or failure to get one) as the client saw it. */
export interface Answer {
  phase: string;
  status: number | "network-error" | "hung";
  ms: number;
  at: number;
  error?: string;
}

export interface Send {
  phase: string;
  idempotencyKey: string;
  /** Message id once an answer carried one. */
  id?: string;
  /** The API answered 202 (possibly after retries with the same Idempotency-Key). */
  accepted: boolean;
  /** When the 202 arrived (ms since the epoch). */
  acceptedAt?: number;
  /** Requests made for this send (1 + retries). */
  attempts: number;
}

/** A request that has no answer after this long is recorded as hung (the bound is 5 s). */
export const HUNG_MS = 5_000;
const ABORT_MS = 15_000;

/**
 * Sends texts through the public API like a careful client: every send carries an
 * Idempotency-Key, and a 503/429 or a network error is retried with the same key (so a send
 * the API accepted late is not sent twice) for up to `retryForMs`. Every answer is recorded.
 */
export class LoadClient {
  readonly answers: Answer[] = [];
  readonly sends: Send[] = [];
  private recipient = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly retryForMs = 30_000,
  ) {}

  async request(phase: string, method: string, path: string, body?: unknown, headers = {}) {
    const started = Date.now();
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `ApiKey ${this.apiKey}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(ABORT_MS),
      });
      const text = await res.text();
      const ms = Date.now() - started;
      this.answers.push({ phase, status: ms > HUNG_MS ? "hung" : res.status, ms, at: started });
      if (ms > HUNG_MS) this.answers[this.answers.length - 1]!.error = `status ${res.status}`;
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      return { status: res.status, json, retryAfter: Number(res.headers.get("retry-after") ?? 1) };
    } catch (error) {
      const ms = Date.now() - started;
      this.answers.push({
        phase,
        status: ms > HUNG_MS ? "hung" : "network-error",
        ms,
        at: started,
        error: String(error),
      });
      return { status: 0, json: null, retryAfter: 1 };
    }
  }

  /** One send, retried with its Idempotency-Key until accepted, refused for good, or out of time. */
  async send(phase: string): Promise<Send> {
    const send: Send = { phase, idempotencyKey: randomUUID(), accepted: false, attempts: 0 };
    this.sends.push(send);
    // Recipients rotate so that no per-recipient pacing applies; ending in 7, none is a
    // simulator magic number (…0000, …0001, …0002).
    const to = `+21366${String(this.recipient++ % 1_000_000).padStart(6, "0")}7`;
    const body = { to, text: `chaos ${phase} ${send.idempotencyKey.slice(0, 8)}` };
    const giveUpAt = Date.now() + this.retryForMs;
    while (Date.now() < giveUpAt) {
      send.attempts++;
      const res = await this.request(phase, "POST", "/api/v1/messages/send-text", body, {
        "idempotency-key": send.idempotencyKey,
      });
      const id = (res.json as { id?: string } | null)?.id;
      if (res.status === 202 && id) {
        send.id = id;
        send.accepted = true;
        send.acceptedAt = Date.now();
        return send;
      }
      if (res.status !== 0 && res.status !== 503 && res.status !== 429) return send;
      // Honour Retry-After (at most 5 s), with jitter so retries do not arrive in waves.
      const wait = Math.min(Math.max(res.retryAfter || 1, 0.5), 5) * 1000;
      await sleep(wait * (0.5 + Math.random() * 0.5));
    }
    return send;
  }

  /** Starts `ratePerSecond` sends a second until `stop()`; resolves when all have settled. */
  run(phase: string, ratePerSecond: number) {
    const pending: Promise<Send>[] = [];
    let stopped = false;
    const loop = (async () => {
      const gap = 1000 / ratePerSecond;
      while (!stopped) {
        pending.push(this.send(phase));
        await sleep(gap);
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await loop;
        return Promise.all(pending);
      },
    };
  }
}
