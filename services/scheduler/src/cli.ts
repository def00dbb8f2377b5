import { parseArgs } from "node:util";
import { createLogger, createRedis, EnvError, withLauncherEnv } from "@wagate/core";
import { createDb } from "@wagate/db";
import { parseSchedulerEnv } from "./env.js";
import { getJob, JOBS } from "./jobs/index.js";
import { createScheduler } from "./scheduler.js";

const USAGE = `usage:
  npm run scheduler -- list
  npm run scheduler -- run <job-name> [--days N]

Runs one maintenance job now, under the same per-job lock as the scheduled runs, so it never
overlaps a scheduled run of the same job. Needs DATABASE_URL and REDIS_URL; beside a running
\`npm start\` with nothing configured, it finds the embedded Postgres and Redis by itself.`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** `list` needs nothing; `run` connects with the environment's settings. Returns the exit code. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  io: CliIo = consoleIo,
): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { days: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [command, name] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return command || values.help ? 0 : 2;
  }
  if (command === "list") {
    for (const job of Object.values(JOBS)) io.out(`${job.name}\t${job.description}`);
    return 0;
  }
  if (command !== "run" || !name) {
    io.err(USAGE);
    return 2;
  }
  if (!getJob(name)) {
    io.err(`unknown job "${name}"; known: ${Object.keys(JOBS).join(", ")}`);
    return 2;
  }
  const days = values.days === undefined ? undefined : Number(values.days);
  if (days !== undefined && (!Number.isInteger(days) || days < 0)) {
    io.err("--days must be a whole number >= 0");
    return 2;
  }
  let parsed: ReturnType<typeof parseSchedulerEnv>;
  try {
    parsed = parseSchedulerEnv(env);
  } catch (error) {
    if (error instanceof EnvError) {
      io.err(error.message);
      return 2;
    }
    throw error;
  }
  const logger = createLogger(
    "scheduler-cli",
    parsed.LOG_LEVEL === "info" ? "warn" : parsed.LOG_LEVEL,
  );
  const { db, sql, close } = createDb(parsed.DATABASE_URL, {
    max: 2,
    applicationName: "wagate-scheduler-cli",
  });
  const redis = createRedis(parsed.REDIS_URL, { maxRetriesPerRequest: 3 });
  const scheduler = createScheduler({
    db,
    sql,
    redis,
    redisPrefix: parsed.REDIS_PREFIX,
    logger,
    settings: parsed,
  });
  try {
    const outcome = await scheduler.runJob(name, { trigger: "manual", days });
    if (outcome.result === "success") {
      io.out(JSON.stringify({ job: name, result: "success", ...outcome.summary }));
      return 0;
    }
    if (outcome.result === "skipped") {
      io.err(`${name}: skipped: ${outcome.reason}`);
      return 3;
    }
    io.err(`${name}: failed: ${outcome.error.message}`);
    return 1;
  } finally {
    await scheduler.stop();
    await Promise.allSettled([close(), redis.quit()]);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2), withLauncherEnv());
}
