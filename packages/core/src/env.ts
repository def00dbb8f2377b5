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
});

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
  if (result.success) return result.data;
  throw new EnvError(
    result.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`),
  );
}
