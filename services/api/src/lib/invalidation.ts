import { apiCacheInvalidationChannel } from "@wagate/contracts";
import { publishInvalidation as publishOn, subscribeInvalidations } from "@wagate/core";
import type { AppDeps } from "./context.js";

/**
 * Cross-replica invalidation of the API's in-process caches (the API key cache, the
 * session and opt-out caches of the accept path): one pub/sub channel, one subscriber per replica on
 * its own connection. A cache registers a handler for its `kind`; `publishInvalidation`
 * applies a message to this replica at once and publishes it for the others. A subscriber
 * that reconnects clears every registered cache, because messages published while it was
 * away are lost. Call it AFTER the database change is committed.
 */

/** What the channel carries; a message without `kind` is about API keys. */
export interface InvalidationMessage {
  kind?: "api-keys" | "sessions" | "opt-outs";
  keyIds?: string[];
  userId?: string | null;
}

export interface InvalidationHandler {
  invalidate(message: InvalidationMessage): void;
  clear(): void;
}

const invalidationChannel = apiCacheInvalidationChannel;

/** This replica's handlers, kept in its state (built at start-up, `deps.ts`). */
const handlersOf = (deps: AppDeps): Map<string, InvalidationHandler> => deps.state.invalidation;

/** Registers the cache of `kind` of this replica (one per kind). */
export function onInvalidation(
  deps: AppDeps,
  kind: NonNullable<InvalidationMessage["kind"]>,
  handler: InvalidationHandler,
): void {
  handlersOf(deps).set(kind, handler);
}

function apply(deps: AppDeps, message: InvalidationMessage): void {
  handlersOf(deps)
    .get(message.kind ?? "api-keys")
    ?.invalidate(message);
}

/** Applies `message` here at once, then publishes it for the other replicas. */
export async function publishInvalidation(
  deps: AppDeps,
  message: InvalidationMessage,
): Promise<void> {
  apply(deps, message);
  await publishOn(
    deps.redis,
    invalidationChannel(deps.redisPrefix),
    {
      ...(message.kind ? { kind: message.kind } : {}),
      keyIds: message.keyIds ?? [],
      userId: message.userId ?? null,
    },
    deps.logger,
  );
}

/** The message as sent by any replica version; anything else → "unreadable". */
function parse(value: unknown): InvalidationMessage | "unreadable" {
  if (typeof value !== "object" || value === null) return "unreadable";
  const parsed = value as { kind?: unknown; keyIds?: unknown; userId?: unknown };
  const kind =
    parsed.kind === "sessions" || parsed.kind === "api-keys" || parsed.kind === "opt-outs"
      ? parsed.kind
      : undefined;
  if (parsed.kind !== undefined && !kind) return "unreadable";
  const keyIds = Array.isArray(parsed.keyIds)
    ? parsed.keyIds.filter((id): id is string => typeof id === "string")
    : [];
  const userId = typeof parsed.userId === "string" ? parsed.userId : null;
  return { ...(kind ? { kind } : {}), keyIds, userId };
}

/**
 * Subscribes this replica to the channel on its own connection (`subscribeInvalidations`
 * from core: a reconnect or an unreadable message clears every registered cache). Returns
 * the stop function.
 */
export async function startInvalidationSubscriber(deps: AppDeps): Promise<() => Promise<void>> {
  const clearAll = () => {
    for (const handler of handlersOf(deps).values()) handler.clear();
  };
  return subscribeInvalidations(deps.redis, invalidationChannel(deps.redisPrefix), {
    logger: deps.logger,
    onResubscribe: clearAll,
    onMessage: (value) => {
      const message = parse(value);
      if (message === "unreadable") clearAll();
      else apply(deps, message);
    },
  });
}
