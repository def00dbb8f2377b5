import type { Hook } from "@hono/zod-openapi";
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ERROR_CODES } from "@wagate/contracts";
import type { AppEnv } from "./context.js";
import { ApiError } from "./errors.js";

/**
 * The one validation hook every route shares: a failed body, query or param parse becomes
 * `validation_failed` with the failing fields listed in `details.fields`.
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
