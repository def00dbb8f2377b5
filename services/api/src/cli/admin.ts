import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { ADMIN_ROLES, type AdminRole } from "@wagate/contracts";
import { EnvError, envUrl, parseEnv, withLauncherEnv } from "@wagate/core";
import { admins, createDb, runMigrations } from "@wagate/db";
import { desc, isNull } from "drizzle-orm";
import { Redis } from "ioredis";
import { z } from "zod";
import { createAdmin } from "../domain/admins/manage.js";
import { resetAdminPassword } from "../domain/admins/reset-password.js";
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordCostEnvSchema,
  passwordCostOf,
} from "../domain/auth/passwords.js";
import { bumpTokenVersion } from "../domain/auth/tokens.js";
import { normalizePhone } from "../domain/phone/normalize.js";
import { ApiError } from "../lib/errors.js";

const USAGE = `usage:
  npm run admin -- create --email <email> --password <password> [--role owner|admin|viewer] [--phone <+E164>]
  npm run admin -- create --email <email> --password-stdin [--role ...]   (reads the password from stdin)
  ADMIN_PASSWORD=<password> npm run admin -- create --email <email> [--role ...]
  npm run admin -- list
  npm run admin -- reset-password --email <email>                   (generates a password, prints it once)
  npm run admin -- reset-password --email <email> --password-stdin  (reads the new password from stdin)
Reads DATABASE_URL; beside a running \`npm start\` with nothing configured, it finds the embedded
Postgres by itself (.data/env). Passwords need at least ${PASSWORD_MIN_LENGTH} characters and are
never printed by this tool, except one it generated; note that npm echoes the command line, so
prefer --password-stdin or ADMIN_PASSWORD over --password on shared terminals and CI logs.
reset-password lifts a login lock and signs the admin out everywhere: refresh tokens are
revoked, and access tokens too when Redis answers (REDIS_URL, or the launcher's), else they
end with their TTL.`;

const cliEnvSchema = passwordCostEnvSchema.extend({
  DATABASE_URL: envUrl(["postgres", "postgresql"]),
  REDIS_URL: envUrl(["redis", "rediss"]).optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/)
    .default("wagate"),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(900),
});
type CliEnv = z.infer<typeof cliEnvSchema>;

/**
 * Ends the admin's access tokens already issued, as the API does on a password change. The CLI
 * is the way back when things are broken, so an unreachable Redis is reported, not fatal.
 */
async function revokeIssuedAccessTokens(env: CliEnv, adminId: string): Promise<string> {
  const fallback = `access tokens already issued end within ${env.ACCESS_TOKEN_TTL_SECONDS} s`;
  if (!env.REDIS_URL) return `REDIS_URL is not set: ${fallback}`;
  const redis = new Redis(env.REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on("error", () => {}); // the failure is reported below, once
  try {
    await redis.connect();
    await bumpTokenVersion(
      { redis, redisPrefix: env.REDIS_PREFIX },
      env.ACCESS_TOKEN_TTL_SECONDS,
      adminId,
    );
    return "access tokens already issued are revoked";
  } catch {
    return `Redis did not answer: ${fallback}`;
  } finally {
    redis.disconnect();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      email: { type: "string" },
      password: { type: "string" },
      "password-stdin": { type: "boolean", default: false },
      role: { type: "string", default: "owner" },
      phone: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let env: CliEnv;
  try {
    env = parseEnv(cliEnvSchema, withLauncherEnv());
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    fail(
      `${error.message}\nSet DATABASE_URL, or run this beside \`npm start\` (it shares its embedded Postgres).`,
    );
  }
  if (command === "create") {
    const email = (values.email ?? process.env.ADMIN_EMAIL)?.trim().toLowerCase();
    if (!email || !z.email().safeParse(email).success) fail("--email must be an email address");
    const password = values["password-stdin"]
      ? await readStdin()
      : (values.password ?? process.env.ADMIN_PASSWORD);
    if (!password || password.length < PASSWORD_MIN_LENGTH) {
      fail(`the password must have at least ${PASSWORD_MIN_LENGTH} characters`);
    }
    if (!ADMIN_ROLES.includes(values.role as AdminRole)) {
      fail(`--role must be one of ${ADMIN_ROLES.join(", ")}`);
    }
    let phone: string | null = null;
    if (values.phone) {
      const normalized = normalizePhone(values.phone);
      if (!normalized.ok) fail(`--phone ${normalized.reason}`);
      phone = normalized.e164;
    }
    await runMigrations(env.DATABASE_URL);
    const { db, close } = createDb(env.DATABASE_URL, { max: 1, applicationName: "wagate-cli" });
    try {
      const admin = await createAdmin(
        db,
        { email, password, role: values.role as AdminRole, phone },
        null,
        passwordCostOf(env),
      );
      process.stdout.write(`created ${admin.role} ${admin.email} (${admin.id})\n`);
    } catch (error) {
      if (error instanceof ApiError) fail(error.message);
      throw error;
    } finally {
      await close();
    }
    return;
  }
  if (command === "list") {
    const { db, close } = createDb(env.DATABASE_URL, { max: 1, applicationName: "wagate-cli" });
    try {
      const rows = await db
        .select()
        .from(admins)
        .where(isNull(admins.deletedAt))
        .orderBy(desc(admins.id));
      for (const row of rows) {
        const locked = row.lockedUntil && row.lockedUntil > new Date() ? " locked" : "";
        const active = row.isActive ? "" : " inactive";
        process.stdout.write(`${row.id}  ${row.role.padEnd(6)}  ${row.email}${active}${locked}\n`);
      }
      if (rows.length === 0) process.stdout.write("no admins\n");
    } finally {
      await close();
    }
    return;
  }
  if (command === "reset-password") {
    const email = values.email?.trim().toLowerCase();
    if (!email || !z.email().safeParse(email).success) fail("--email must be an email address");
    const generated = !values["password-stdin"];
    const password = generated ? randomBytes(18).toString("base64url") : await readStdin();
    if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
      fail(
        `the password must have between ${PASSWORD_MIN_LENGTH} and ${PASSWORD_MAX_LENGTH} characters`,
      );
    }
    const { db, close } = createDb(env.DATABASE_URL, { max: 1, applicationName: "wagate-cli" });
    try {
      const admin = await resetAdminPassword(
        db,
        { email, password, now: new Date() },
        passwordCostOf(env),
      );
      process.stdout.write(`password reset for ${admin.email} (${admin.id})\n`);
      process.stdout.write(`${await revokeIssuedAccessTokens(env, admin.id)}\n`);
      if (generated) process.stdout.write(`new password (shown once): ${password}\n`);
    } catch (error) {
      if (error instanceof ApiError) fail(`no admin with the email ${email}`);
      throw error;
    } finally {
      await close();
    }
    return;
  }
  fail(`unknown command: ${command}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
