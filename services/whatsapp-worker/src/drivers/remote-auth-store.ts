import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Database, whatsappSessionAuth } from "@wagate/db";
import { eq } from "drizzle-orm";

/** RemoteAuth names a session `RemoteAuth-<clientId>`; our clientId is the session id. */
export const sessionIdFromStoreName = (name: string) =>
  name.startsWith("RemoteAuth-") ? name.slice("RemoteAuth-".length) : name;

/**
 * whatsapp-web.js RemoteAuth store over the `whatsapp_session_auth` table, so a session
 * reopens on any worker without a new QR scan. The contract (RemoteAuth.js, 1.34.7):
 * `save({session})` is called after RemoteAuth zipped the profile to
 * `<dataPath>/<session>.zip` (it deletes that file afterwards); `extract({session, path})`
 * must write the zip to `path`; `sessionExists` and `delete` take the same name.
 */
export class PostgresAuthStore {
  /** `dataPath`: the same directory given to RemoteAuth (resolved like RemoteAuth does). */
  constructor(
    private readonly db: Database,
    private readonly dataPath: string,
  ) {}

  async sessionExists({ session }: { session: string }): Promise<boolean> {
    const [row] = await this.db
      .select({ sessionId: whatsappSessionAuth.sessionId })
      .from(whatsappSessionAuth)
      .where(eq(whatsappSessionAuth.sessionId, sessionIdFromStoreName(session)));
    return Boolean(row);
  }

  async save({ session }: { session: string }): Promise<void> {
    const data = await readFile(path.join(path.resolve(this.dataPath), `${session}.zip`));
    const now = new Date();
    await this.db
      .insert(whatsappSessionAuth)
      .values({ sessionId: sessionIdFromStoreName(session), data, sizeBytes: data.length })
      .onConflictDoUpdate({
        target: whatsappSessionAuth.sessionId,
        set: { data, sizeBytes: data.length, updatedAt: now },
      });
  }

  async extract({ session, path: target }: { session: string; path: string }): Promise<void> {
    const [row] = await this.db
      .select({ data: whatsappSessionAuth.data })
      .from(whatsappSessionAuth)
      .where(eq(whatsappSessionAuth.sessionId, sessionIdFromStoreName(session)));
    if (!row) throw new Error("no stored auth for this session");
    // On a fresh machine the staging directory does not exist yet.
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, row.data);
  }

  async delete({ session }: { session: string }): Promise<void> {
    await this.db
      .delete(whatsappSessionAuth)
      .where(eq(whatsappSessionAuth.sessionId, sessionIdFromStoreName(session)));
  }
}
