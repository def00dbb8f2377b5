import type { WebhookEvent } from "@wagate/contracts";
import { assertPublicUrl, generateWebhookSecret, SafeFetchError } from "@wagate/core";
import { type Database, newId, webhooks } from "@wagate/db";
import { and, count, desc, eq, lt } from "drizzle-orm";
import { ApiError, conflict, notFound, validationFailed } from "../../lib/errors.js";

export type WebhookRow = typeof webhooks.$inferSelect;

/** Webhooks one account may register; deliveries fan out per webhook, so keep it bounded. */
export const MAX_WEBHOOKS_PER_ACCOUNT = 25;

/** How long create/update waits for DNS before accepting the URL (delivery checks again). */
const VET_DNS_TIMEOUT_MS = 3000;

/**
 * A refusal for a private address names the setting that allows it, so an operator whose
 * receiver sits on the same network knows what to change.
 */
export function withPrivateHint(error: SafeFetchError): string {
  return error.code === "address_not_allowed"
    ? `${error.message} (set WEBHOOK_ALLOW_PRIVATE=true to allow private, loopback and link-local targets)`
    : error.message;
}

/**
 * Refuses a URL the server must not call: not http(s), credentials in it, or a host that
 * resolves to loopback/private/link-local... (unless `allowPrivate`). A host that does not
 * resolve (yet), or DNS that is slow, is accepted: the delivery worker vets the address again
 * at every attempt, so acceptance is a courtesy check, not the guard.
 */
export async function vetWebhookUrl(url: string, allowPrivate: boolean): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // Settles to the error (or null): a check still running after the timeout cannot reject
  // unobserved.
  const check = assertPublicUrl(url, { allowPrivate }).then(
    () => null,
    (error: unknown) => error,
  );
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), VET_DNS_TIMEOUT_MS);
  });
  const error = await Promise.race([check, timeout]).finally(() => clearTimeout(timer));
  if (error === null) return;
  if (!(error instanceof SafeFetchError)) throw error;
  if (error.code === "fetch_failed") return;
  const message = withPrivateHint(error);
  throw validationFailed(`url: ${message}`, {
    fields: [{ path: "url", message, code: error.code }],
  });
}

const uniqueEvents = (events: WebhookEvent[]) => [...new Set(events)];

export interface CreateWebhookInput {
  url: string;
  events: WebhookEvent[];
  description?: string | null;
}

/** Registers a webhook with a fresh `whsec_` secret; the row (secret included) is returned once. */
export async function createWebhook(
  db: Database,
  input: CreateWebhookInput & { userId: string; allowPrivate: boolean; now: Date },
): Promise<WebhookRow> {
  await vetWebhookUrl(input.url, input.allowPrivate);
  const [existing] = await db
    .select({ n: count() })
    .from(webhooks)
    .where(eq(webhooks.userId, input.userId));
  if ((existing?.n ?? 0) >= MAX_WEBHOOKS_PER_ACCOUNT) {
    throw conflict(`an account may have at most ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks`);
  }
  const [row] = await db
    .insert(webhooks)
    .values({
      id: newId("webhook", input.now.getTime()),
      userId: input.userId,
      url: input.url,
      events: uniqueEvents(input.events),
      description: input.description ?? null,
      secret: generateWebhookSecret(),
      createdAt: input.now,
      updatedAt: input.now,
    })
    .returning();
  if (!row) throw new ApiError("internal", "webhook insert returned nothing");
  return row;
}

export async function listWebhooks(
  db: Database,
  input: { userId: string; limit: number; beforeId?: string },
): Promise<WebhookRow[]> {
  return db
    .select()
    .from(webhooks)
    .where(
      and(
        eq(webhooks.userId, input.userId),
        input.beforeId ? lt(webhooks.id, input.beforeId) : undefined,
      ),
    )
    .orderBy(desc(webhooks.id))
    .limit(input.limit + 1);
}

/** The account's webhook, or 404 (another account's webhook is not found, not forbidden). */
export async function getWebhook(db: Database, userId: string, id: string): Promise<WebhookRow> {
  const [row] = await db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, id), eq(webhooks.userId, userId)));
  if (!row) throw notFound("webhook");
  return row;
}

export interface UpdateWebhookInput {
  url?: string;
  events?: WebhookEvent[];
  description?: string | null;
  /** Re-enables a webhook disabled by a `410 Gone`, or pauses one. */
  isActive?: boolean;
}

export async function updateWebhook(
  db: Database,
  input: UpdateWebhookInput & { userId: string; id: string; allowPrivate: boolean; now: Date },
): Promise<WebhookRow> {
  await getWebhook(db, input.userId, input.id);
  if (input.url !== undefined) await vetWebhookUrl(input.url, input.allowPrivate);
  const [row] = await db
    .update(webhooks)
    .set({
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.events !== undefined ? { events: uniqueEvents(input.events) } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.isActive !== undefined ? { isActive: input.isActive } : {}),
      updatedAt: input.now,
    })
    .where(and(eq(webhooks.id, input.id), eq(webhooks.userId, input.userId)))
    .returning();
  if (!row) throw notFound("webhook");
  return row;
}

/** Deletes the webhook and (cascade) its deliveries; queued jobs find no row and stop. */
export async function deleteWebhook(db: Database, userId: string, id: string): Promise<void> {
  const deleted = await db
    .delete(webhooks)
    .where(and(eq(webhooks.id, id), eq(webhooks.userId, userId)))
    .returning({ id: webhooks.id });
  if (deleted.length === 0) throw notFound("webhook");
}
