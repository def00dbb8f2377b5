import type { Hook } from "@hono/zod-openapi";
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ERROR_CODES } from "@wagate/contracts";
import type { AppEnv } from "./context.js";
import { ApiError } from "./errors.js";

/** The path (`media.caption`, `tags.0`) of the first string in `value` holding a NUL. */
export function findNul(value: unknown, path: string[] = []): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path.join(".") : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNul(item, [...path, String(index)]);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      const keyPath = [...path, key];
      if (key.includes("\u0000")) return keyPath.join(".");
      const found = findNul(item, keyPath);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * The one validation hook every route shares: a failed body, query or param parse becomes
 * `validation_failed` with the failing fields listed in `details.fields`.
 *
 * A NUL character (U+0000) is refused here for every string of every target, because
 * Postgres cannot store it in text: 422 naming the field, or 404 when it is in a path
 * parameter (no id contains one).
 */
// biome-ignore lint/suspicious/noExplicitAny: the hook is generic over every route's input.
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (!result.success) {
    const fields = result.error.issues.map((issue) => ({
      path: issue.path.join("."),
      message: issue.message,
      code: issue.code,
    }));
    throw new ApiError("validation_failed", "request validation failed", {
      details: { target: result.target, fields },
      status: result.target === "json" ? 422 : 400,
    });
  }
  const nulAt = findNul(result.data);
  if (nulAt === null) return;
  if (result.target === "param") throw new ApiError("not_found", "resource not found");
  throw new ApiError(
    "validation_failed",
    `${nulAt || result.target} must not contain a NUL character`,
    {
      details: {
        target: result.target,
        fields: [
          { path: nulAt, message: "must not contain a NUL character", code: "nul_character" },
        ],
      },
      status: 422,
    },
  );
};

/** A router for one resource. `strict: false` accepts a trailing slash on every path. */
export const createRouter = () =>
  new OpenAPIHono<AppEnv>({ strict: false, defaultHook: validationHook });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      request_id: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi("Error");

const describeError = (description: string) => ({
  description,
  content: { "application/json": { schema: errorSchema } },
});

/** Standard error responses to spread into a route's `responses`. */
export const errorResponses = {
  400: describeError("Malformed request (`validation_failed`)"),
  401: describeError("Missing or invalid credentials (`unauthorized`)"),
  403: describeError("Not allowed (`forbidden`)"),
  404: describeError("Not found (`not_found`)"),
  409: describeError("Conflict (`conflict`)"),
  413: describeError("Request body too large (`payload_too_large`)"),
  415: describeError("Body is not `application/json` (`unsupported_media_type`)"),
  422: describeError("Invalid fields (`validation_failed`)"),
  423: describeError("Account locked (`account_locked`)"),
  429: describeError("Quota or rate limit reached (`quota_exceeded`, `rate_limited`)"),
  500: describeError("Internal error (`internal`)"),
  503: describeError("A dependency is unavailable (`service_unavailable`)"),
} as const;

/** Picks the listed error responses: `pickErrors(401, 404)`. */
export function pickErrors<K extends keyof typeof errorResponses>(...codes: K[]) {
  return Object.fromEntries(codes.map((code) => [code, errorResponses[code]])) as Pick<
    typeof errorResponses,
    K
  >;
}

export const ADMIN_SECURITY = [{ AdminBearer: [] }];
// Typed as OpenAPI security requirements: the inferred union of two object shapes is not one.
export const API_KEY_SECURITY: Array<Record<string, string[]>> = [
  { ApiKey: [] },
  { ApiKeyHeader: [] },
];

/** List envelope: `{data, next_cursor}`. */
export const listSchema = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() }).openapi(name);

export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ example: 50 }),
  cursor: z.string().optional(),
});
