import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { startPgliteServer } from "./pglite-server.js";
import { type Child, commandExists, redisAnswers, spawnChild, waitUntil } from "./processes.js";

export interface EmbeddedStore {
  url: string;
  stop: () => Promise<void>;
  /** Set for stores that run as a child process. */
  child?: Child;
}

export class LauncherError extends Error {
  override name = "LauncherError";
}

/** PGlite with its data under `<dataDir>/pglite`, served over the Postgres protocol. */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedStore> {
  const dir = join(dataDir, "pglite");
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create({ dataDir: dir });
  const server = await startPgliteServer({ db, port });
  return {
    url: server.url,
    stop: async () => {
      await server.close();
      await db.close();
    },
  };
}

/** `redis-server` from PATH with its data under `<dataDir>/redis`, on loopback only. */
export async function startEmbeddedRedis(
  dataDir: string,
  port: number,
  cwd: string,
): Promise<EmbeddedStore> {
  if (!commandExists("redis-server")) {
    throw new LauncherError(
      "redis-server is not on PATH. Install it (Debian/Ubuntu: `sudo apt-get install " +
        "redis-server`; macOS: `brew install redis`) or point REDIS_URL at a Redis 6.2+.",
    );
  }
  const dir = join(dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const child = spawnChild({
    name: "redis",
    command: "redis-server",
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      // BullMQ needs every key kept; the append-only file keeps queues across restarts.
      "--maxmemory-policy",
      "noeviction",
      "--appendonly",
      "yes",
      "--save",
      "",
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ],
    env: process.env,
    cwd,
  });
  const up = await Promise.race([
    waitUntil(() => redisAnswers(port), 15_000),
    child.exited.then(() => false),
  ]);
  if (!up) {
    await child.stop(2000);
    throw new LauncherError(`redis-server did not start on port ${port} (see its log above)`);
  }
  return { url: `redis://127.0.0.1:${port}`, child, stop: () => child.stop(10_000) };
}
