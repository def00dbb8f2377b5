import { baseEnvSchema, envBoolean, envPort, MEDIA_STORAGE_KINDS, parseEnv } from "@wagate/core";
import { z } from "zod";
import { passwordCostEnvSchema } from "./domain/auth/passwords.js";

export const apiEnvSchema = baseEnvSchema
  .extend({
    ...passwordCostEnvSchema.shape,
    PORT: envPort(3000),
    /** HMAC-SHA-256 secret for admin JWTs; 32+ bytes. Required in production. */
    JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    /**
     * Earlier JWT_SECRET values, comma-separated: tokens they signed (told apart by `kid`)
     * still verify until they expire, so rotating JWT_SECRET logs nobody out.
     */
    JWT_PREVIOUS_SECRETS: z
      .string()
      .default("")
      .transform((value) =>
        value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().min(32, "every previous secret must be at least 32 characters"))),
    /** Lifetime of an admin access token, seconds. */
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(900),
    /** Lifetime of an admin refresh token, seconds. */
    REFRESH_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(300)
      .default(30 * 24 * 3600),
    /** Keyed-hash secret for API keys; defaults to JWT_SECRET's derivation when unset. */
    API_KEY_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    METRICS_TOKEN: z.string().min(1).optional(),
    WEBHOOK_ALLOW_PRIVATE: envBoolean(false),
    /** Where inbound media is stored (the worker's setting too): `postgres` or `dir`. */
    MEDIA_STORAGE: z.enum(MEDIA_STORAGE_KINDS).default("postgres"),
    /** The directory of `MEDIA_STORAGE=dir`. Default `.data/media`. */
    MEDIA_STORAGE_DIR: z.string().min(1).default(".data/media"),
    ADMIN_EMAIL: z.string().email().optional(),
    /** First owner's password; at least 10 characters, like every admin password. */
    ADMIN_PASSWORD: z.string().min(10, "must be at least 10 characters").optional(),
    /** Public base URL used in printed links and the OpenAPI servers list. */
    PUBLIC_URL: z.string().url().optional(),
    /** Per-key request rate limit, requests per second (burst = 2x). */
    API_KEY_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).default(50),
    /** Honour `X-Forwarded-For` for the client IP (only behind a trusted reverse proxy). */
    TRUST_PROXY: envBoolean(false),
    /** Consecutive failed admin logins before the admin is locked. */
    LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
    /** How long a locked admin stays locked, minutes. */
    LOGIN_LOCK_MINUTES: z.coerce.number().int().min(1).default(15),
    /** Login attempts (any outcome) one client IP may make per 5 minutes. */
    LOGIN_IP_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(30),
    /**
     * WhatsApp session that delivers admin password-reset codes, as
     * `<account_id>/<session_name>` (e.g. `usr_01J…/default`). Unset: codes are not delivered
     * (development logs them instead; production logs an operator warning).
     */
    SYSTEM_SESSION: z
      .string()
      .regex(
        /^usr_[0-9A-Z]{26}\/[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
        "must be <account_id>/<session_name>",
      )
      .optional(),
    /** Key mode of SYSTEM_SESSION: `live` (webjs) or `test` (simulator, not in production). */
    SYSTEM_SESSION_MODE: z.enum(["live", "test"]).default("live"),
    /** Password-reset request/resend answer no sooner than this, ms: hides whether an admin matched. */
    PASSWORD_RESET_MIN_RESPONSE_MS: z.coerce.number().int().min(0).default(300),
    /** Longest a request waits for its answer before a 503 `service_unavailable`, ms. */
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /**
     * The same bound for creating a broadcast (up to 100 000 rows checked and written in one
     * transaction), ms: a 503 there while the broadcast still commits invites a retry that
     * would send it twice.
     */
    BULK_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(180_000),
    /** Handlers running at once (late ones included) past which requests answer 503 at once. */
    REQUEST_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(512),
    /**
     * How long a number check (`GET /contacts/check`) is trusted, seconds: within it the
     * answer comes from Postgres, and a send to a number known not to be on WhatsApp is
     * refused at once (`not_on_whatsapp`). Default 7 days.
     */
    CONTACT_CHECK_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .default(7 * 24 * 3600),
    /**
     * How long a contact's profile (about, profile picture URL) asked of a session is kept,
     * seconds: within it `GET /contacts/{phone}` answers from Postgres without asking the
     * session again. Default 1 day (WhatsApp's picture URLs expire after a while).
     */
    CONTACT_PROFILE_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .default(24 * 3600),
    /** Largest request body, bytes (base64 media included). */
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(20 * 1024 * 1024),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && !env.JWT_SECRET) {
      ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: "is required in production" });
    }
    if (env.NODE_ENV === "production" && env.SYSTEM_SESSION && env.SYSTEM_SESSION_MODE === "test") {
      ctx.addIssue({
        code: "custom",
        path: ["SYSTEM_SESSION_MODE"],
        message: "must be live in production (the simulator delivers nothing)",
      });
    }
    if ((env.ADMIN_EMAIL && !env.ADMIN_PASSWORD) || (!env.ADMIN_EMAIL && env.ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: "custom",
        path: [env.ADMIN_EMAIL ? "ADMIN_PASSWORD" : "ADMIN_EMAIL"],
        message: "ADMIN_EMAIL and ADMIN_PASSWORD go together",
      });
    }
  });

export type ApiEnv = z.infer<typeof apiEnvSchema>;

export const parseApiEnv = (source: Record<string, string | undefined> = process.env) =>
  parseEnv(apiEnvSchema, source);
