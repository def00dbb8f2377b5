import { randomUUID } from "node:crypto";
import { sessionCommandChannel, sessionReplyChannel } from "@wagate/contracts";
import type { AppDeps } from "../../lib/context.js";
import { UnavailableError } from "../errors.js";
import { subscribeChannel } from "./events.js";

/** No owner answered: 503 `service_unavailable` with `Retry-After: 5` once mapped. */
export const ownerUnavailable = (message: string) => new UnavailableError(message, 5);

/**
 * Asks the worker that owns `sessionId` something and waits for its one answer: subscribes
 * to a fresh reply channel, publishes `{sessionId, ...command, replyId}` on `session-cmd`,
 * waits at most `waitMs`. Null when nobody listens or answers in time; `unreadable` stands
 * for an answer that is not JSON. Used for pairing codes and driver operations.
 */
export async function askSessionOwner<Reply>(
  deps: AppDeps,
  sessionId: string,
  command: { action: string } & Record<string, unknown>,
  options: { waitMs: number; unreadable: Reply },
): Promise<Reply | null> {
  const replyId = randomUUID();
  let settle: (reply: Reply | null) => void = () => {};
  const answered = new Promise<Reply | null>((resolve) => {
    settle = resolve;
  });
  const unsubscribe = await subscribeChannel(
    deps,
    sessionReplyChannel(deps.redisPrefix, replyId),
    (message) => {
      try {
        settle(JSON.parse(message) as Reply);
      } catch {
        settle(options.unreadable);
      }
    },
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    const listeners = await deps.redis.publish(
      sessionCommandChannel(deps.redisPrefix),
      JSON.stringify({ sessionId, ...command, replyId }),
    );
    if (listeners === 0) settle(null);
    timer = setTimeout(() => settle(null), options.waitMs);
    return await answered;
  } finally {
    clearTimeout(timer);
    await unsubscribe();
  }
}
