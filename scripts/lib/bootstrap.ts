import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { apiKeySecretFor, ensureDemoAccount } from "@wagate/api";
import { createDb } from "@wagate/db";

export { apiKeySecretFor };

export const FIRST_ADMIN_EMAIL = "admin@wagate.local";

/** `JWT_SECRET` when set; otherwise one generated on the first start and kept (0600). */
export function loadJwtSecret(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, "jwt-secret");
  if (existsSync(file)) {
    const kept = readFileSync(file, "utf8").trim();
    if (kept.length >= 32) return kept;
  }
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

/** A password that is easy to copy from a terminal: 24 base64url characters (144 bits). */
export const generatePassword = () => randomBytes(18).toString("base64url");

/** Number of admins in the database (0 on a fresh one). */
export async function countAdmins(databaseUrl: string): Promise<number> {
  const { sql, close } = createDb(databaseUrl, { max: 1, applicationName: "wagate-start" });
  try {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from admins`;
    return row?.n ?? 0;
  } finally {
    await close();
  }
}

/** True when an admin with this email exists (the API created the first one). */
export async function adminExists(databaseUrl: string, email: string): Promise<boolean> {
  const { sql, close } = createDb(databaseUrl, { max: 1, applicationName: "wagate-start" });
  try {
    const rows = await sql`select 1 from admins where lower(email) = lower(${email}) limit 1`;
    return rows.length > 0;
  } finally {
    await close();
  }
}

/** Creates the demo account and its test-mode key on a database with no account yet. */
export async function createDemoAccount(databaseUrl: string, apiKeySecret: Buffer) {
  const { db, close } = createDb(databaseUrl, { max: 1, applicationName: "wagate-start" });
  try {
    return await ensureDemoAccount({ db, apiKeySecret, now: () => new Date() });
  } finally {
    await close();
  }
}
