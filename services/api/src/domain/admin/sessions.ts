import type { SessionStatus } from "@wagate/contracts";
import { type Database, users, whatsappSessions } from "@wagate/db";
import { and, desc, eq, lt } from "drizzle-orm";
import type { SessionRow } from "../sessions/find.js";

export interface AdminSessionFilters {
  userId?: string | undefined;
  status?: SessionStatus | undefined;
  /** Keyset cursor: only ids below this one. */
  before?: string | undefined;
  limit: number;
}

/** Every account's sessions, newest first, with the account's name. Fetches `limit + 1`. */
export async function listAllSessions(
  db: Database,
  filters: AdminSessionFilters,
): Promise<Array<{ session: SessionRow; userName: string }>> {
  return db
    .select({ session: whatsappSessions, userName: users.name })
    .from(whatsappSessions)
    .innerJoin(users, eq(users.id, whatsappSessions.userId))
    .where(
      and(
        filters.userId ? eq(whatsappSessions.userId, filters.userId) : undefined,
        filters.status ? eq(whatsappSessions.status, filters.status) : undefined,
        filters.before ? lt(whatsappSessions.id, filters.before) : undefined,
      ),
    )
    .orderBy(desc(whatsappSessions.id))
    .limit(filters.limit + 1);
}
