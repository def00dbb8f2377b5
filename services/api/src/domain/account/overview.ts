import type { KeyMode } from "@wagate/contracts";
import { nextUtcMidnight, quotaUsed } from "@wagate/core";
import type { AppDeps } from "../../lib/context.js";
import { getUser, type UserRow } from "../users/manage.js";

export interface AccountOverview {
  user: UserRow;
  mode: KeyMode;
  /** Sends accepted today (UTC) in this key's mode, counted against the daily quota. */
  messagesToday: number;
  quotaRemaining: number;
  /** When today's counter starts again (next UTC midnight). */
  resetAt: Date;
}

/** The calling account and its quota today, from its key's mode counter. */
export async function accountOverview(
  deps: Pick<AppDeps, "db" | "redis" | "redisPrefix" | "now">,
  account: { userId: string; mode: KeyMode },
): Promise<AccountOverview> {
  const now = deps.now();
  const user = await getUser(deps.db, account.userId);
  const used = await quotaUsed(deps.redis, deps.redisPrefix, {
    userId: user.id,
    mode: account.mode,
    now,
  });
  return {
    user,
    mode: account.mode,
    messagesToday: used,
    quotaRemaining: Math.max(0, user.maxMessagesPerDay - used),
    resetAt: nextUtcMidnight(now),
  };
}
