import type { ErrorCode } from "@wagate/contracts";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import {
  DomainError,
  InvalidFieldError,
  QuotaExceededError,
  RateLimitedError,
  UnavailableError,
} from "../domain/errors.js";
import type { AppDeps, AppEnv } from "./context.js";
import { ApiError, isDependencyUnavailable } from "./errors.js";

/** What a route accepts as a body; the 415 answer names it. */
export const EXPECTED_BODY_TYPE = "application/json";

/** Framework refusals by status (Hono, zod-openapi, node-server), each with a stable code. */
const HTTP_EXCEPTION_CODES: Partial<Record<number, ErrorCode>> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

const pgCode = (error: unknown): string | undefined => {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = e.cause;
  }
  return undefined;
};

/** `RateLimit-*` headers of a daily-quota answer, plus `Retry-After` when it is used up. */
export function quotaStateHeaders(
  quota: { limit: number; remaining: number; resetSeconds: number },
  refused: boolean,
): Record<string, string> {
  const reset = String(quota.resetSeconds);
  const headers: Record<string, string> = {
    "RateLimit-Limit": String(quota.limit),
    "RateLimit-Remaining": String(quota.remaining),
    "RateLimit-Reset": reset,
  };
  if (refused) headers["Retry-After"] = reset;
  return headers;
}

/**
 * The one mapping from a domain error (`domain/errors.ts`, no HTTP in it) to the API's
 * envelope, status and headers.
 */
export function fromDomainError(error: DomainError): ApiError {
  const details = error.details ? { details: error.details } : {};
  if (error instanceof RateLimitedError) {
    return new ApiError(error.code, error.message, {
      ...details,
      headers: { "Retry-After": String(error.retryAfterSeconds) },
    });
  }
  if (error instanceof QuotaExceededError) {
    return new ApiError(error.code, error.message, {
      ...details,
      headers: quotaStateHeaders(error.quota, true),
    });
  }
  if (error instanceof UnavailableError) {
    return new ApiError(error.code, error.message, {
      ...details,
      headers: { "Retry-After": String(error.retryAfterSeconds) },
    });
  }
  if (error instanceof InvalidFieldError) {
    return new ApiError(error.code, error.message, { ...details, status: 422 });
  }
  return new ApiError(error.code, error.message, details);
}

/**
 * Turns anything thrown while serving a request into an `ApiError`; null means an
 * unexpected failure (answered 500 `internal` and logged). Client mistakes the framework
 * detects itself (wrong content type, malformed JSON, bad percent-encoding) are 4xx with a
 * stable code, never 500.
 */
export function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) return fromDomainError(error);
  if (error instanceof HTTPException) {
    if (error.status === 415) {
      return new ApiError(
        "unsupported_media_type",
        `unsupported Content-Type; send the body as ${EXPECTED_BODY_TYPE}`,
        { details: { expected: EXPECTED_BODY_TYPE } },
      );
    }
    if (error.status === 413) return new ApiError("payload_too_large", "request body too large");
    const code = HTTP_EXCEPTION_CODES[error.status];
    if (code) return new ApiError(code, error.message || code.replace(/_/g, " "));
    if (error.status < 500) {
      return new ApiError("validation_failed", error.message || "malformed request", {
        status: 400,
      });
    }
    return null;
  }
  // A malformed percent-escape (`%E0%A4%A`) in a path or query the framework decodes lazily.
  if (error instanceof URIError) {
    return new ApiError("validation_failed", "malformed percent-encoding in the URL", {
      status: 400,
    });
  }
  // `c.req.json()` read by hand on a body that is not JSON.
  if (error instanceof SyntaxError && /JSON/i.test(error.message)) {
    return new ApiError("validation_failed", "malformed JSON in request body", { status: 400 });
  }
  // Postgres data exceptions (class 22: a NUL byte, an invalid encoding, a value out of
  // range) are caused by the request's values. Validation refuses them first; this is the
  // net under it so they never become 500.
  const sqlState = pgCode(error);
  if (sqlState?.startsWith("22")) {
    return new ApiError("validation_failed", "a value in the request cannot be stored", {
      details: { sqlstate: sqlState },
      status: 422,
    });
  }
  return null;
}

/** The one `onError`: renders the API.md envelope and logs only 5xx and unknown errors. */
export function errorHandler(deps: AppDeps) {
  return (error: Error, c: Context<AppEnv>) => {
    const requestIdValue = c.get("requestId") ?? "unknown";
    let apiError = toApiError(error);
    if (!apiError && isDependencyUnavailable(error)) {
      deps.logger.warn({ err: error, requestId: requestIdValue }, "dependency unavailable");
      apiError = new ApiError("service_unavailable", "a dependency is unavailable; retry later", {
        headers: { "Retry-After": "5" },
      });
    } else if (!apiError) {
      deps.logger.error({ err: error, requestId: requestIdValue }, "unhandled error");
      apiError = new ApiError("internal", "internal error");
    } else if (
      apiError.status >= 500 &&
      (error instanceof ApiError || error instanceof DomainError)
    ) {
      deps.logger.error({ err: error, requestId: requestIdValue }, apiError.message);
    } else if (
      !(error instanceof ApiError) &&
      !(error instanceof HTTPException) &&
      !(error instanceof DomainError)
    ) {
      deps.logger.warn({ err: error, requestId: requestIdValue }, "request refused by a guard");
    }
    for (const [name, value] of Object.entries(apiError.options.headers ?? {})) {
      c.header(name, value);
    }
    return c.json(
      {
        error: {
          code: apiError.code,
          message: apiError.message,
          request_id: requestIdValue,
          ...(apiError.options.details ? { details: apiError.options.details } : {}),
        },
      },
      apiError.status as 400,
    );
  };
}
