import type { ErrorCode } from "@wagate/contracts";

/**
 * Typed errors of the API's domain verbs. They say what went wrong in the domain's terms
 * (a stable `code` from contracts, a message, machine-readable facts) and know nothing of
 * HTTP: `toApiError` (`lib/error-handler.ts`) is the one mapping to the envelope, the status
 * and the headers (`Retry-After`, `RateLimit-*`).
 */
export class DomainError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A field of the request is refused (422 `validation_failed` naming it). */
export class InvalidFieldError extends DomainError {
  constructor(
    public readonly field: string,
    public readonly reason: string,
  ) {
    super("validation_failed", `${field} ${reason}`, {
      fields: [{ path: field, message: reason }],
    });
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super("not_found", message);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("conflict", message, details);
  }
}

/** The API key made too many requests in its window. */
export class RateLimitedError extends DomainError {
  constructor(public readonly retryAfterSeconds: number) {
    super("rate_limited", "too many requests for this API key; slow down", {
      retry_after_seconds: retryAfterSeconds,
    });
  }
}

/** What the daily quota looked like when it answered (for the `RateLimit-*` headers). */
export interface QuotaState {
  limit: number;
  remaining: number;
  resetAt: Date;
  /** Whole seconds from the answer to `resetAt` (at least 1). */
  resetSeconds: number;
}

/** The account used its daily quota for this key mode. */
export class QuotaExceededError extends DomainError {
  constructor(public readonly quota: QuotaState) {
    super(
      "quota_exceeded",
      `daily quota of ${quota.limit} messages reached; it resets at ${quota.resetAt.toISOString()}`,
      { limit: quota.limit, reset_at: quota.resetAt.toISOString() },
    );
  }
}

/** A dependency failed in a way a retry may fix; nothing was done. */
export class UnavailableError extends DomainError {
  constructor(
    message: string,
    public readonly retryAfterSeconds = 5,
    details?: Record<string, unknown>,
  ) {
    super("service_unavailable", message, details);
  }
}
