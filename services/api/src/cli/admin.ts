import { parseArgs } from "node:util";
import { ADMIN_ROLES, type AdminRole } from "@wagate/contracts";
import { envUrl, parseEnv } from "@wagate/core";
import { admins, createDb, runMigrations } from "@wagate/db";
import { desc, isNull } from "drizzle-orm";
import { z } from "zod";
import { createAdmin } from "../domain/admins/manage.js";
import {
  PASSWORD_MIN_LENGTH,
  passwordCostEnvSchema,
  passwordCostOf,
} from "../domain/auth/passwords.js";
import { normalizePhone } from "../domain/phone/normalize.js";
import { ApiError } from "../lib/errors.js";

const USAGE = `usage:
  npm run admin -- create --email <email> --password <password> [--role owner|admin|viewer] [--phone <+E164>]
  npm run admin -- create --email <email> --password-stdin [--role ...]   (reads the password from stdin)
  ADMIN_PASSWORD=<password> npm run admin -- create --email <email> [--role ...]
  npm run admin -- list
Reads DATABASE_URL. Passwords need at least ${PASSWORD_MIN_LENGTH} characters and are never printed
by this tool; note that npm echoes the command line, so prefer --password-stdin or ADMIN_PASSWORD
over --password on shared terminals and CI logs.`;

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
  const env = parseEnv(
    passwordCostEnvSchema.extend({ DATABASE_URL: envUrl(["postgres", "postgresql"]) }),
  );
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
  fail(`unknown command: ${command}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
