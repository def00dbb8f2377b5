import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { ApiKeyScope } from "@wagate/contracts";
import { users } from "@wagate/db";
import { eq } from "drizzle-orm";
import type { AppEnv } from "../../lib/context.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";

/** A per-account JSON setting kept in a `users` column (call policy, consent keywords). */
export interface AccountSetting<Stored, Wire extends z.ZodTypeAny> {
  /** Path under `/api/v1/account`. */
  path: `/${string}`;
  column: "callPolicy" | "consent";
  schema: Wire;
  /** What GET answers (the stored value over the defaults; null stored = defaults). */
  toWire: (stored: Stored | null) => z.infer<Wire>;
  fromWire: (body: z.infer<Wire>) => Stored;
  summary: string;
  description: string;
  /** Scope needed to change it (reading needs any valid key). */
  writeScope: ApiKeyScope;
}

/** GET and PUT of one account setting: read by the worker when it needs it, no cache. */
export function registerAccountSetting<Stored, Wire extends z.ZodTypeAny>(
  router: OpenAPIHono<AppEnv>,
  setting: AccountSetting<Stored, Wire>,
) {
  const answer = {
    200: {
      description: setting.summary,
      content: { "application/json": { schema: setting.schema } },
    },
  };
  const getRoute = createRoute({
    method: "get",
    path: setting.path,
    tags: ["Account"],
    summary: setting.summary,
    description: `Any valid key. ${setting.description}`,
    security: API_KEY_SECURITY,
    middleware: [requireAccount()] as const,
    responses: { ...answer, ...pickErrors(401, 429) },
  });
  const putRoute = createRoute({
    method: "put",
    path: setting.path,
    tags: ["Account"],
    summary: `Set: ${setting.summary.toLowerCase()}`,
    description: `Scope \`${setting.writeScope}\`. ${setting.description}`,
    security: API_KEY_SECURITY,
    middleware: [requireAccount(setting.writeScope)] as const,
    request: {
      body: { content: { "application/json": { schema: setting.schema } }, required: true },
    },
    responses: { ...answer, ...pickErrors(400, 401, 403, 422, 429) },
  });
  const column = users[setting.column];
  router.openapi(getRoute, async (c) => {
    const [row] = await c
      .get("deps")
      .db.select({ value: column })
      .from(users)
      .where(eq(users.id, c.get("account").userId));
    return c.json(setting.toWire((row?.value ?? null) as Stored | null), 200);
  });
  router.openapi(putRoute, async (c) => {
    // The route is generic over the schema, so Hono cannot name the validated body's type.
    const request = c.req as unknown as { valid(target: "json"): z.infer<Wire> };
    const stored = setting.fromWire(request.valid("json"));
    await c
      .get("deps")
      .db.update(users)
      .set({ [setting.column]: stored })
      .where(eq(users.id, c.get("account").userId));
    return c.json(setting.toWire(stored), 200);
  });
}
