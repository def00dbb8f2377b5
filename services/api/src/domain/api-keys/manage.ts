import { API_KEY_SCOPES, type ApiKeyScope, type KeyMode } from "@wagate/contracts";
import { generateApiKey } from "@wagate/core";
import { apiKeys, type Executor, newId, users } from "@wagate/db";
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import type { AppDeps } from "../../lib/context.js";
import { notFound, validationFailed } from "../../lib/errors.js";
import { type AuditActor, recordAdminAudit } from "../audit.js";
import { invalidateApiKeys } from "./cache.js";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Active = not revoked and not expired at `now`. */
export const isKeyActive = (row: ApiKeyRow, now: Date) =>
  row.revokedAt === null && (row.expiresAt === null || row.expiresAt.getTime() > now.getTime());

/** What audit rows hold about a key: never the raw key or its hash. */
const keySnapshot = (row: ApiKeyRow) => ({
  user_id: row.userId,
  name: row.name,
  prefix: row.prefix,
  mode: row.mode,
  scopes: row.scopes,
  expires_at: row.expiresAt?.toISOString() ?? null,
  revoked_at: row.revokedAt?.toISOString() ?? null,
});

export async function getApiKey(executor: Executor, id: string): Promise<ApiKeyRow> {
  const [row] = await executor.select().from(apiKeys).where(eq(apiKeys.id, id));
  if (!row) throw notFound("api key");
  return row;
}

export async function listApiKeys(
  executor: Executor,
  input: { limit: number; cursor?: string; userId?: string },
): Promise<ApiKeyRow[]> {
  return executor
    .select()
    .from(apiKeys)
    .where(
      and(
        input.cursor ? lt(apiKeys.id, input.cursor) : undefined,
        input.userId ? eq(apiKeys.userId, input.userId) : undefined,
      ),
    )
    .orderBy(desc(apiKeys.id))
    .limit(input.limit + 1);
}

export interface CreateApiKeyInput {
  userId: string;
  name: string;
  mode: KeyMode;
  expiresAt?: Date | null;
  /** Default: every scope. */
  scopes?: ApiKeyScope[];
}

/**
 * Mints a key for an account. The raw key is returned once and never stored: only its keyed
 * hash and a display prefix are. An unknown (or deleted) account and a past `expiresAt` are
 * 422 `validation_failed` on the offending field.
 */
export async function createApiKey(
  deps: Pick<AppDeps, "db" | "apiKeySecret" | "now">,
  input: CreateApiKeyInput,
  actor: AuditActor,
): Promise<{ row: ApiKeyRow; rawKey: string }> {
  if (input.expiresAt && input.expiresAt.getTime() <= deps.now().getTime()) {
    throw validationFailed("expires_at must be in the future", {
      fields: [{ path: "expires_at", message: "must be in the future" }],
    });
  }
  const scopes = [...new Set(input.scopes ?? API_KEY_SCOPES)];
  const key = generateApiKey(input.mode, deps.apiKeySecret);
  const row = await deps.db.transaction(async (tx) => {
    const [owner] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, input.userId), isNull(users.deletedAt)));
    if (!owner) {
      throw validationFailed("no such account", {
        fields: [{ path: "user_id", message: "no such account" }],
      });
    }
    const [created] = await tx
      .insert(apiKeys)
      .values({
        id: newId("apiKey"),
        userId: input.userId,
        name: input.name,
        prefix: key.prefix,
        keyHash: key.hash,
        mode: input.mode,
        scopes,
        expiresAt: input.expiresAt ?? null,
        createdBy: actor.adminId,
      })
      .returning();
    await recordAdminAudit(tx, actor, {
      action: "api_key.create",
      targetType: "api_key",
      targetId: created!.id,
      after: keySnapshot(created!),
    });
    return created!;
  });
  return { row, rawKey: key.raw };
}

/** Revokes a key (idempotent) and drops it from every replica's cache before answering. */
export async function revokeApiKey(deps: AppDeps, id: string, actor: AuditActor): Promise<void> {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    const before = await getApiKey(tx, id);
    if (before.revokedAt) return;
    const [after] = await tx
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(eq(apiKeys.id, id))
      .returning();
    await recordAdminAudit(tx, actor, {
      action: "api_key.revoke",
      targetType: "api_key",
      targetId: id,
      before: keySnapshot(before),
      after: keySnapshot(after!),
    });
  });
  await invalidateApiKeys(deps, { keyIds: [id] });
}
