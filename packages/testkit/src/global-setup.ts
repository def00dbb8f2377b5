import type { TestProject } from "vitest/node";
import { prepareTemplate } from "./infra.js";

type Stoppable = { stop: () => Promise<unknown> };
const started: Stoppable[] = [];

/** Where a developer machine (and CI) usually runs them. */
const LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";
const LOCAL_REDIS_URL = "redis://127.0.0.1:6379";

/**
 * Finds Postgres and Redis for the run: `DATABASE_URL`/`REDIS_URL` when set, otherwise
 * containers through testcontainers (where a Docker engine answers), otherwise a Postgres
 * and a Redis answering on their standard local ports. Then builds the migrated template
 * database that every test file copies.
 */
export async function setup(project: TestProject): Promise<void> {
  let databaseUrl = process.env.DATABASE_URL;
  let redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    const containers = await startContainers(!databaseUrl, !redisUrl).catch(async (error) => {
      const local = await localServices(!databaseUrl, !redisUrl);
      if (!local) throw error;
      console.log(
        `wagate tests: no DATABASE_URL/REDIS_URL and no Docker; using ${[
          local.databaseUrl,
          local.redisUrl,
        ]
          .filter(Boolean)
          .join(" and ")}`,
      );
      return local;
    });
    databaseUrl ??= containers.databaseUrl;
    redisUrl ??= containers.redisUrl;
  }
  if (!databaseUrl || !redisUrl) throw new Error("no Postgres/Redis for the tests");
  const templateDatabase = await prepareTemplate(databaseUrl);
  project.provide("wagateInfra", { databaseUrl, redisUrl, templateDatabase });
}

export async function teardown(): Promise<void> {
  await Promise.all(started.map((c) => c.stop()));
}

async function startContainers(needPostgres: boolean, needRedis: boolean) {
  try {
    const out: { databaseUrl?: string; redisUrl?: string } = {};
    if (needPostgres) {
      const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
      const pg = await new PostgreSqlContainer("postgres:16-alpine").start();
      started.push(pg);
      out.databaseUrl = pg.getConnectionUri();
    }
    if (needRedis) {
      const { RedisContainer } = await import("@testcontainers/redis");
      const redis = await new RedisContainer("redis:7-alpine").start();
      started.push(redis);
      out.redisUrl = redis.getConnectionUrl();
    }
    return out;
  } catch (error) {
    throw new Error(
      "The tests need Postgres and Redis. Set DATABASE_URL and REDIS_URL (for example " +
        "postgres://postgres@127.0.0.1:5432/test and redis://127.0.0.1:6379), or run a " +
        `Docker engine for testcontainers. (${(error as Error).message})`,
    );
  }
}

/** The standard local Postgres and Redis, when both needed ones answer; null otherwise. */
async function localServices(needPostgres: boolean, needRedis: boolean) {
  const out: { databaseUrl?: string; redisUrl?: string } = {};
  if (needPostgres) {
    const { default: postgres } = await import("postgres");
    const sql = postgres(LOCAL_DATABASE_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
    const ok = await sql`select 1`.then(
      () => true,
      () => false,
    );
    await sql.end({ timeout: 1 });
    if (!ok) return null;
    out.databaseUrl = LOCAL_DATABASE_URL;
  }
  if (needRedis) {
    const { Redis } = await import("ioredis");
    const redis = new Redis(LOCAL_REDIS_URL, {
      lazyConnect: true,
      connectTimeout: 2000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const ok = await redis
      .connect()
      .then(() => redis.ping())
      .then(
        (pong) => pong === "PONG",
        () => false,
      );
    redis.disconnect();
    if (!ok) return null;
    out.redisUrl = LOCAL_REDIS_URL;
  }
  return out;
}
