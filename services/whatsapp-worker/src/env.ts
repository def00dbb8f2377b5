import { baseEnvSchema, envBoolean, envPort, MEDIA_STORAGE_KINDS, parseEnv } from "@wagate/core";
import { z } from "zod";

const ms = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

export const workerEnvSchema = baseEnvSchema
  .extend({
    WORKER_PORT: envPort(3001),
    /** Most sessions one worker process owns at a time. Default 50. */
    WORKER_MAX_SESSIONS: z.coerce.number().int().min(1).default(50),
    /** Session lease time: a dead worker's sessions move within about this long. Default 15 s. */
    LEASE_TTL_MS: z.coerce.number().int().min(500).default(15_000),
    /** Lease renewal and desired-state check period. Default 5 s. */
    HEARTBEAT_MS: z.coerce.number().int().min(100).default(5_000),
    /** How often a worker looks for running sessions nobody owns. Default: HEARTBEAT_MS. */
    CLAIM_INTERVAL_MS: z.coerce.number().int().min(100).optional(),
    /** Spread running sessions evenly over the live workers (hand surplus ones over). */
    WORKER_BALANCE_SESSIONS: envBoolean(true),
    /** How long a simulator session shows its QR before it links. Default 2000. */
    SIM_LINK_DELAY_MS: ms(2000),
    /** `fast`: near-zero simulator delays and no pacing for test-mode sessions. */
    SIM_PROFILE: z.enum(["normal", "fast"]).default("normal"),
    PUPPETEER_EXECUTABLE_PATH: z.string().min(1).default("/usr/bin/chromium"),
    /** Where whatsapp-web.js RemoteAuth stages the session zip. Default `.data/wwebjs`. */
    WWEBJS_DATA_PATH: z.string().min(1).default(".data/wwebjs"),
    /** Pacing defaults (per session; accounts may override through `users.pacing`). */
    PACING_PER_MINUTE: z.coerce.number().positive().default(20),
    PACING_BURST: z.coerce.number().int().min(1).default(5),
    PACING_MIN_GAP_MS: ms(3000),
    PACING_JITTER_MS: ms(1500),
    PACING_RATE_LIMIT_PAUSE_MS: ms(60_000),
    /** Typing before send: ms of typing per character of a text (0: off). */
    PACING_TYPING_MS_PER_CHAR: z.coerce.number().min(0).max(1000).default(0),
    PACING_TYPING_MAX_MS: ms(8000),
    /**
     * Jobs an unpaced session (the fast simulator) claims, sends and records per batch.
     * Bigger batches amortise round trips (one session: 870 -> 1,220 msg/s from 64 to 256
     * in one bench run); a crashed worker's successor re-checks up to twice this many
     * `sending` rows. Paced sessions (every WhatsApp default) always take one. Default 64.
     */
    SEND_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(64),
    /** Send attempts before a message fails with `attempts_exhausted`. Default 8. */
    SEND_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(8),
    /** Largest media payload sent, in bytes. Default 16 MiB. */
    MEDIA_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(16 * 1024 * 1024),
    /** Largest inbound media downloaded and stored, in bytes. Default 16 MiB. */
    INBOUND_MEDIA_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(16 * 1024 * 1024),
    /** Where inbound media is stored: `postgres` (table `stored_media`) or `dir`. */
    MEDIA_STORAGE: z.enum(MEDIA_STORAGE_KINDS).default("postgres"),
    /** The directory of `MEDIA_STORAGE=dir`. Default `.data/media`. */
    MEDIA_STORAGE_DIR: z.string().min(1).default(".data/media"),
    WEBHOOK_ALLOW_PRIVATE: envBoolean(false),
    /** First automatic restart of a failed/disconnected session after this long. Default 10 s. */
    SESSION_RESTART_DELAY_MS: z.coerce.number().int().min(100).default(10_000),
    /** Longest wait between restarts (the delay doubles per restart). Default 5 min. */
    SESSION_RESTART_MAX_DELAY_MS: z.coerce.number().int().min(100).default(300_000),
    /** Restarts without reaching `ready` before the session stays `failed`. Default 8. */
    SESSION_RESTART_MAX_ATTEMPTS: z.coerce.number().int().min(0).default(8),
    /** Recycle a session's Chromium above this resident memory, MiB (0: never). Default 0. */
    SESSION_BROWSER_MAX_MEMORY_MB: z.coerce.number().int().min(0).default(0),
    /** Recycle a session's Chromium once it is this old, ms (0: never). Default 0. */
    SESSION_BROWSER_MAX_AGE_MS: z.coerce.number().int().min(0).default(0),
    /** How often browser memory and age are checked. Default 30 s. */
    SESSION_BROWSER_CHECK_MS: z.coerce.number().int().min(1000).default(30_000),
  })
  .transform((env) => ({ ...env, CLAIM_INTERVAL_MS: env.CLAIM_INTERVAL_MS ?? env.HEARTBEAT_MS }))
  .refine((env) => env.HEARTBEAT_MS < env.LEASE_TTL_MS, {
    message: "HEARTBEAT_MS must be shorter than LEASE_TTL_MS",
    path: ["HEARTBEAT_MS"],
  });

export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export const parseWorkerEnv = (source: Record<string, string | undefined> = process.env) =>
  parseEnv(workerEnvSchema, source);
