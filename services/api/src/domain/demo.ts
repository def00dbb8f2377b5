import { API_KEY_SCOPES } from "@wagate/contracts";
import { generateApiKey } from "@wagate/core";
import { apiKeys, newId, users } from "@wagate/db";
import { count, sql } from "drizzle-orm";
import type { AppDeps } from "../lib/context.js";

export interface DemoAccount {
  userId: string;
  /** The raw test-mode key: shown once by the launcher, never stored. */
  rawKey: string;
}

/** Fixed email of the demo account, so operators can find (and delete) it. */
export const DEMO_EMAIL = "demo@wagate.local";

/**
 * On a database without any account, creates a "Demo" account with one test-mode key (all
 * scopes; the simulator driver, so nothing reaches real WhatsApp) and returns the raw key
 * for `npm start` to print. Returns null when any account exists (deleted ones included), so
 * calling it on every start is safe; concurrent starts are serialised by an advisory lock.
 */
export async function ensureDemoAccount(
  deps: Pick<AppDeps, "db" | "apiKeySecret" | "now">,
): Promise<DemoAccount | null> {
  return deps.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('wagate:demo-account', 0))`);
    const [{ value: existing } = { value: 0 }] = await tx.select({ value: count() }).from(users);
    if (existing > 0) return null;
    const now = deps.now();
    const userId = newId("user", now.getTime());
    await tx.insert(users).values({
      id: userId,
      name: "Demo",
      email: DEMO_EMAIL,
      maxMessagesPerDay: 1000,
      maxSessions: 2,
    });
    const key = generateApiKey("test", deps.apiKeySecret);
    await tx.insert(apiKeys).values({
      id: newId("apiKey", now.getTime()),
      userId,
      name: "Demo test key",
      prefix: key.prefix,
      keyHash: key.hash,
      mode: "test",
      scopes: [...API_KEY_SCOPES],
    });
    return { userId, rawKey: key.raw };
  });
}
