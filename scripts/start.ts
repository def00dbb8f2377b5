/**
 * `npm start`: the whole wagate stack on one machine with nothing configured.
 *
 * Uses DATABASE_URL / REDIS_URL when set; otherwise an embedded PGlite (served over the
 * Postgres protocol) and a redis-server from PATH, both keeping their data under
 * WAGATE_DATA_DIR (default `.data/`). Migrates, generates what a first start needs (JWT
 * secret, first admin, demo account with a test-mode key), runs the API, the WhatsApp
 * worker and the scheduler as child processes and stops them all on Ctrl-C.
 *
 * The services run compiled (`node services/<dir>/dist/main.js`, rebuilt first when dist/ is
 * missing or older than the sources); `npm run dev` (`--dev`) runs their TypeScript through
 * tsx instead.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { removeLauncherEnv, writeLauncherEnv } from "@wagate/core";
import { runMigrations } from "@wagate/db";
import {
  adminExists,
  apiKeySecretFor,
  countAdmins,
  createDemoAccount,
  FIRST_ADMIN_EMAIL,
  generatePassword,
  loadJwtSecret,
} from "./lib/bootstrap.js";
import { buildService, distEntry, isStale, type ServiceDir } from "./lib/build.js";
import { ensureConsoleBuilt } from "./lib/console.js";
import {
  type EmbeddedStore,
  LauncherError,
  startEmbeddedPostgres,
  startEmbeddedRedis,
} from "./lib/embedded.js";
import { type Child, isPortFree, spawnChild, waitForOk } from "./lib/processes.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Reads a variable; empty counts as unset. */
const envVar = (name: string): string | undefined => process.env[name] || undefined;

function intFromEnv(name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new LauncherError(`${name}: must be an integer between 0 and ${max} (got "${raw}")`);
  }
  return value;
}

const config = () => ({
  /** `--dev` (npm run dev): TypeScript through tsx, no build. */
  dev: process.argv.includes("--dev"),
  dataDir: resolve(envVar("WAGATE_DATA_DIR") || join(ROOT, ".data")),
  pglitePort: intFromEnv("WAGATE_PGLITE_PORT", 5433, 65535),
  redisPort: intFromEnv("WAGATE_REDIS_PORT", 6380, 65535),
  ports: {
    api: intFromEnv("PORT", 3000, 65535),
    worker: intFromEnv("WORKER_PORT", 3001, 65535),
    scheduler: intFromEnv("SCHEDULER_PORT", 3002, 65535),
  },
  readyTimeoutMs: intFromEnv("WAGATE_READY_TIMEOUT_MS", 180_000),
  stopTimeoutMs: intFromEnv("WAGATE_STOP_TIMEOUT_MS", 20_000),
});

const say = (line: string) => process.stdout.write(`wagate   | ${line}\n`);

async function requireFreePort(port: number, variable: string, host?: string) {
  if (!(await isPortFree(port, host))) {
    throw new LauncherError(`port ${port} is in use; free it or set ${variable} to another port`);
  }
}

async function main() {
  const cfg = config();
  mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  const stores: EmbeddedStore[] = [];
  const children: Child[] = [];
  let stopping: Promise<void> | undefined;
  /** URLs of the stores this launcher runs itself (what nobody configured). */
  const embeddedUrls: { DATABASE_URL?: string; REDIS_URL?: string } = {};

  const stopAll = (code: number) => {
    stopping ??= (async () => {
      say("stopping…");
      if (embeddedUrls.DATABASE_URL || embeddedUrls.REDIS_URL) removeLauncherEnv(cfg.dataDir);
      await Promise.all(children.map((child) => child.stop(cfg.stopTimeoutMs)));
      for (const store of stores.reverse()) {
        await store.stop().catch((error) => say(`stopping a store failed: ${error}`));
      }
      say("stopped");
      process.exit(code);
    })();
    return stopping;
  };
  const onSignal = () => {
    if (!stopping) return void stopAll(0);
    // A second Ctrl-C while stopping: kill everything at once.
    for (const child of children) child.process.kill("SIGKILL");
    for (const store of stores) store.child?.process.kill("SIGKILL");
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Children live in their own process groups: never leave one behind, even on a crash.
  process.on("exit", () => {
    for (const child of [...children, ...stores.flatMap((s) => (s.child ? [s.child] : []))]) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill("SIGKILL");
      }
    }
  });

  try {
    await requireFreePort(cfg.ports.api, "PORT");
    await requireFreePort(cfg.ports.worker, "WORKER_PORT");
    await requireFreePort(cfg.ports.scheduler, "SCHEDULER_PORT");
    ensureConsoleBuilt(ROOT, say);

    let redisUrl = envVar("REDIS_URL");
    if (!redisUrl) {
      await requireFreePort(cfg.redisPort, "WAGATE_REDIS_PORT", "127.0.0.1");
      say(`starting redis-server (data: ${join(cfg.dataDir, "redis")})`);
      const redis = await startEmbeddedRedis(cfg.dataDir, cfg.redisPort, ROOT);
      stores.push(redis);
      redisUrl = redis.url;
      embeddedUrls.REDIS_URL = redis.url;
      say(`embedded Redis at ${redis.url}`);
    }

    let databaseUrl = envVar("DATABASE_URL");
    if (!databaseUrl) {
      await requireFreePort(cfg.pglitePort, "WAGATE_PGLITE_PORT", "127.0.0.1");
      say(`starting embedded PGlite (data: ${join(cfg.dataDir, "pglite")}) — first start is slow`);
      const pg = await startEmbeddedPostgres(cfg.dataDir, cfg.pglitePort);
      stores.push(pg);
      databaseUrl = pg.url;
      embeddedUrls.DATABASE_URL = pg.url;
      say(`embedded Postgres at ${pg.url}`);
    }
    if (embeddedUrls.DATABASE_URL || embeddedUrls.REDIS_URL) {
      // The CLIs run from another terminal read this file for what their env lacks.
      writeLauncherEnv(cfg.dataDir, embeddedUrls);
    }
    say("applying migrations");
    await runMigrations(databaseUrl);

    const jwtSecret = loadJwtSecret(cfg.dataDir, envVar("JWT_SECRET"));
    let createdAdmin: { email: string; password: string } | undefined;
    const adminEnv: Record<string, string> = {};
    if (!envVar("ADMIN_EMAIL") && !envVar("ADMIN_PASSWORD")) {
      if ((await countAdmins(databaseUrl)) === 0) {
        createdAdmin = { email: FIRST_ADMIN_EMAIL, password: generatePassword() };
        adminEnv.ADMIN_EMAIL = createdAdmin.email;
        adminEnv.ADMIN_PASSWORD = createdAdmin.password;
      }
    }

    const sharedEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      JWT_SECRET: jwtSecret,
      PORT: String(cfg.ports.api),
      WORKER_PORT: String(cfg.ports.worker),
      SCHEDULER_PORT: String(cfg.ports.scheduler),
      WWEBJS_DATA_PATH: envVar("WWEBJS_DATA_PATH") || join(cfg.dataDir, "wwebjs"),
    };
    const services: { name: string; dir: ServiceDir; port: number; env: NodeJS.ProcessEnv }[] = [
      { name: "api", dir: "api", port: cfg.ports.api, env: { ...sharedEnv, ...adminEnv } },
      { name: "worker", dir: "whatsapp-worker", port: cfg.ports.worker, env: sharedEnv },
      { name: "scheduler", dir: "scheduler", port: cfg.ports.scheduler, env: sharedEnv },
    ];
    if (!cfg.dev) {
      for (const service of services.filter((s) => isStale(s.dir))) {
        say(`building services/${service.dir}/dist (sources changed since the last build)`);
        await buildService(service.dir);
      }
    }
    for (const service of services) {
      const child = spawnChild({
        name: service.name,
        command: process.execPath,
        args: cfg.dev
          ? ["--import", "tsx", join("services", service.dir, "src", "main.ts")]
          : [distEntry(service.dir)],
        env: service.env,
        cwd: ROOT,
      });
      children.push(child);
      say(`started ${service.name} (pid ${child.process.pid})`);
    }
    for (const store of stores) {
      if (store.child) say(`started ${store.child.name} (pid ${store.child.process.pid})`);
    }

    // Any child (or redis-server) that exits before we stop it takes the stack down.
    const firstExit = Promise.race(
      [...children, ...stores.flatMap((s) => (s.child ? [s.child] : []))].map((child) =>
        child.exited.then((code) => ({ child, code })),
      ),
    );
    void firstExit.then(({ child, code }) => {
      if (stopping) return;
      say(`${child.name} exited (${code}); stopping the rest`);
      void stopAll(1);
    });

    await Promise.all(
      services.map((s) =>
        waitForOk(`http://127.0.0.1:${s.port}/readyz`, cfg.readyTimeoutMs, firstExit),
      ),
    );

    const demo = await createDemoAccount(
      databaseUrl,
      apiKeySecretFor(jwtSecret, envVar("API_KEY_SECRET")),
    );
    if (createdAdmin && !(await adminExists(databaseUrl, createdAdmin.email))) {
      say("warning: the API did not create the first admin from ADMIN_EMAIL/ADMIN_PASSWORD;");
      say("create one with: npm run admin -- create --email … --password …");
      createdAdmin = undefined;
    }
    printBanner(cfg.ports, embeddedUrls, createdAdmin, demo?.rawKey);
  } catch (error) {
    if (stopping) return;
    say(error instanceof LauncherError ? error.message : `failed to start: ${String(error)}`);
    if (!(error instanceof LauncherError) && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    await stopAll(1);
  }
}

function printBanner(
  ports: { api: number; worker: number; scheduler: number },
  embedded: { DATABASE_URL?: string; REDIS_URL?: string },
  admin: { email: string; password: string } | undefined,
  demoKey: string | undefined,
) {
  const api = `http://localhost:${ports.api}`;
  const lines = [
    "",
    "wagate is ready",
    `  API             ${api}/api/v1`,
    `  Console         ${api}/console   (sign in with the admin below, or with an API key)`,
    `  API reference   ${api}/docs   (OpenAPI: ${api}/api/v1/openapi.json)`,
    `  Metrics         ${api}/metrics`,
    `  Worker health   http://localhost:${ports.worker}/readyz  (metrics: /metrics)`,
    `  Scheduler       http://localhost:${ports.scheduler}/readyz  (metrics: /metrics)`,
  ];
  if (embedded.DATABASE_URL)
    lines.push(`  Postgres        ${embedded.DATABASE_URL}   (embedded PGlite)`);
  if (embedded.REDIS_URL)
    lines.push(`  Redis           ${embedded.REDIS_URL}   (embedded redis-server)`);
  if (embedded.DATABASE_URL || embedded.REDIS_URL) {
    lines.push(
      "  CLIs from another terminal find them by themselves (.data/env):",
      "    npm run admin -- list    npm run scheduler -- run reconcile-messages",
    );
  }
  if (admin) {
    lines.push(
      "",
      "First admin (shown once; change the password after logging in):",
      `  email     ${admin.email}`,
      `  password  ${admin.password}`,
      `  curl -s ${api}/api/v1/auth/login -H 'content-type: application/json' \\`,
      `    -d '{"email":"${admin.email}","password":"${admin.password}"}'`,
      `  lost it? npm run admin -- reset-password --email ${admin.email}`,
    );
  }
  if (demoKey) {
    lines.push(
      "",
      "Demo account with a test-mode key (simulator: nothing reaches real WhatsApp; shown once):",
      `  key  ${demoKey}`,
      "  1. start its simulated WhatsApp session:",
      `  curl -s -X POST ${api}/api/v1/sessions/init -H 'Authorization: ApiKey ${demoKey}'`,
      "  2. send a message (then GET /api/v1/messages to watch it reach `read`):",
      `  curl -s ${api}/api/v1/messages/send-text -H 'Authorization: ApiKey ${demoKey}' \\`,
      `    -H 'content-type: application/json' -d '{"to":"+213661234567","text":"Hello from wagate"}'`,
    );
  }
  lines.push("", "Press Ctrl-C to stop.", "");
  for (const line of lines) say(line);
}

await main();
