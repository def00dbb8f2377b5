import { type Logger, pino } from "pino";

export type { Logger };

/** Paths whose values never reach a log line: keys, tokens, OTPs, passwords, secrets. */
export const REDACT_PATHS = [
  "password",
  "*.password",
  "new_password",
  "*.new_password",
  "current_password",
  "*.current_password",
  "otp",
  "*.otp",
  "token",
  "*.token",
  "access_token",
  "*.access_token",
  "refresh_token",
  "*.refresh_token",
  "reset_token",
  "*.reset_token",
  "key",
  "*.key",
  "secret",
  "*.secret",
  "authorization",
  "*.authorization",
  "headers.authorization",
  'headers["x-api-key"]',
  "req.headers.authorization",
  'req.headers["x-api-key"]',
];

export function createLogger(service: string, level = "info"): Logger {
  return pino({
    level,
    base: { service },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
