import { ERROR_STATUS, type ErrorCode } from "@wagate/contracts";

/**
 * The one error type routes and verbs throw for expected failures. `onError` renders it as
 * the API.md envelope with the status from `ERROR_STATUS` (or `status` when a code allows
 * two, like validation_failed 400/422).
 */
export class ApiError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly options: {
      details?: Record<string, unknown>;
      headers?: Record<string, string>;
      status?: 400 | 422;
    } = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  get status(): number {
    return this.options.status ?? ERROR_STATUS[this.code];
  }
}

export const notFound = (what = "resource") => new ApiError("not_found", `${what} not found`);
export const forbidden = (message = "this action is not allowed for your role") =>
  new ApiError("forbidden", message);
export const unauthorized = (message = "missing or invalid credentials") =>
  new ApiError("unauthorized", message);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new ApiError("conflict", message, details ? { details } : {});
export const validationFailed = (
  message: string,
  details?: Record<string, unknown>,
  status: 400 | 422 = 422,
) => new ApiError("validation_failed", message, { ...(details ? { details } : {}), status });

/** Error codes of a Postgres or Redis that cannot be reached (postgres-js, ioredis, node). */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "57P01", // admin_shutdown
  "57P03", // cannot_connect_now
]);

/**
 * True when `error` (or an error it wraps, as Drizzle does) says Postgres or Redis is
 * unreachable: the request answers 503 service_unavailable, not 500.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return true;
    if (e.name === "MaxRetriesPerRequestError" || e.message === "Connection is closed.") {
      return true;
    }
    e = e.cause;
  }
  return false;
}
