import { z } from "zod";

/** `true`/`false`/`1`/`0`/`yes`/`no`, case-insensitive; anything else is an error, not false. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no", "TRUE", "FALSE", "True", "False"])
    .default(fallback ? "true" : "false")
    .transform((v) => ["true", "1", "yes"].includes(v.toLowerCase()));

export const envPort = (fallback: number) =>
  z.coerce.number().int().min(1).max(65535).default(fallback);

export const envUrl = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((v) => protocols.some((p) => v.startsWith(`${p}:`)), {
      message: `must be a ${protocols.join(" or ")} URL`,
    });

/** The variables every service reads (API.md "Environment"). */
export const baseEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: envUrl(["postgres", "postgresql"]),
  REDIS_URL: envUrl(["redis", "rediss"]),
  /** Prefix of every Redis key and BullMQ queue; lets several stacks share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/)
    .default("wagate"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** How long a graceful shutdown may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
  /**
   * How long an idle kept-alive HTTP connection stays open, ms. Longer than the idle timeout
   * of any proxy or load balancer in front (AWS ALB 60 s, nginx 60 s), so the server never
   * closes a connection the balancer is about to reuse (the classic 502). Default 75 000.
   */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(75_000),
  /** Time allowed to receive a request's headers, ms; must exceed the keep-alive timeout. Default keep-alive + 1 000. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).optional(),
});

/** The HTTP server timeouts `listen` applies, from the parsed environment. */
export function httpTimeouts(env: {
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number;
  HTTP_HEADERS_TIMEOUT_MS?: number | undefined;
}): { keepAliveTimeoutMs: number; headersTimeoutMs: number } {
  return {
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS ?? env.HTTP_KEEP_ALIVE_TIMEOUT_MS + 1000,
  };
}

/** Cross-field rules of the base variables (each service's schema extends the base). */
function baseEnvIssues(env: unknown): string[] {
  const { HTTP_KEEP_ALIVE_TIMEOUT_MS: keepAlive, HTTP_HEADERS_TIMEOUT_MS: headers } = (env ??
    {}) as { HTTP_KEEP_ALIVE_TIMEOUT_MS?: number; HTTP_HEADERS_TIMEOUT_MS?: number };
  if (keepAlive !== undefined && headers !== undefined && headers <= keepAlive) {
    return [
      `HTTP_HEADERS_TIMEOUT_MS: must be greater than HTTP_KEEP_ALIVE_TIMEOUT_MS (${keepAlive})`,
    ];
  }
  return [];
}

export class EnvError extends Error {
  constructor(public readonly issues: string[]) {
    super(`invalid environment:\n  ${issues.join("\n  ")}`);
    this.name = "EnvError";
  }
}

/**
 * Parses the environment once. A missing or wrong setting throws an `EnvError` whose
 * message names each variable; `main` prints it and exits.
 */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  source: Record<string, string | undefined> = process.env,
): z.infer<T> {
  // Empty strings count as unset, as in most twelve-factor setups.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) {
    const issues = baseEnvIssues(result.data);
    if (issues.length > 0) throw new EnvError(issues);
    return result.data;
  }
  throw new EnvError(
    result.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`),
  );
}
