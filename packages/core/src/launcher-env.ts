import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * `npm start` runs an embedded Postgres and Redis whose URLs nobody configured. It writes them
 * to `<data dir>/env` (0600) while it runs, and the CLIs (`npm run admin`, `npm run
 * scheduler`) read that file for whichever of these variables their environment lacks.
 */
export const LAUNCHER_ENV_KEYS = ["DATABASE_URL", "REDIS_URL"] as const;
export type LauncherEnvKey = (typeof LAUNCHER_ENV_KEYS)[number];

const FILE_NAME = "env";

export function writeLauncherEnv(
  dataDir: string,
  values: Partial<Record<LauncherEnvKey, string>>,
): string {
  const file = join(dataDir, FILE_NAME);
  const lines = LAUNCHER_ENV_KEYS.flatMap((key) => (values[key] ? [`${key}=${values[key]}`] : []));
  const header = "# Written by `npm start` while it runs; read by the CLIs. Do not edit.";
  writeFileSync(file, `${[header, ...lines].join("\n")}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export function removeLauncherEnv(dataDir: string): void {
  rmSync(join(dataDir, FILE_NAME), { force: true });
}

/**
 * Where a running `npm start` keeps its env file: `$WAGATE_DATA_DIR/env`, else the first
 * `.data/env` found from `cwd` upwards (npm runs workspace scripts inside the workspace).
 */
export function findLauncherEnv(
  env: Record<string, string | undefined>,
  cwd: string,
): string | undefined {
  if (env.WAGATE_DATA_DIR) {
    const file = join(resolve(cwd, env.WAGATE_DATA_DIR), FILE_NAME);
    return existsSync(file) ? file : undefined;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, ".data", FILE_NAME);
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * `env` with DATABASE_URL/REDIS_URL filled in from a running `npm start` when `env` lacks
 * them; a variable already set always wins. Returns `env` unchanged when there is no file.
 */
export function withLauncherEnv(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): Record<string, string | undefined> {
  if (LAUNCHER_ENV_KEYS.every((key) => env[key])) return env;
  const file = findLauncherEnv(env, cwd);
  if (!file) return env;
  const filled = { ...env };
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const key = match[1] as LauncherEnvKey;
    if (LAUNCHER_ENV_KEYS.includes(key) && !filled[key]) filled[key] = match[2];
  }
  return filled;
}
