import { type Executor, whatsappSessions } from "@wagate/db";
import { and, asc, eq } from "drizzle-orm";
import type { AccountPrincipal } from "../../lib/context.js";
import { NotFoundError } from "../errors.js";

export type SessionRow = typeof whatsappSessions.$inferSelect;

/**
 * The account's session of this name in the key's mode, or null. Sessions are looked up by
 * the caller's own account only, so another account's session is simply not found.
 */
export async function findSession(
  db: Executor,
  account: Pick<AccountPrincipal, "userId" | "mode">,
  name: string,
): Promise<SessionRow | null> {
  const [row] = await db
    .select()
    .from(whatsappSessions)
    .where(
      and(
        eq(whatsappSessions.userId, account.userId),
        eq(whatsappSessions.mode, account.mode),
        eq(whatsappSessions.name, name),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** Like `findSession`, but a missing session is a 404 `not_found` naming what to call. */
export async function requireSession(
  db: Executor,
  account: Pick<AccountPrincipal, "userId" | "mode">,
  name: string,
): Promise<SessionRow> {
  const row = await findSession(db, account, name);
  if (!row) {
    throw new NotFoundError(
      `session "${name}" not found in ${account.mode} mode; create it with POST /api/v1/sessions/init`,
    );
  }
  return row;
}

/** Every session of the account, both modes, oldest first. */
export async function listSessions(db: Executor, userId: string): Promise<SessionRow[]> {
  return db
    .select()
    .from(whatsappSessions)
    .where(eq(whatsappSessions.userId, userId))
    .orderBy(asc(whatsappSessions.id));
}
