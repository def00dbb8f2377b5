import type { TestProject } from "vitest/node";
import { prepareTemplate } from "./infra.js";

type Stoppable = { stop: () => Promise<unknown> };
const started: Stoppable[] = [];

/**
 * Finds Postgres and Redis for the run: `DATABASE_URL`/`REDIS_URL` when set, otherwise
 * containers through testcontainers (where a Docker engine answers). Then builds the
 * migrated template database that every test file copies.
 */
export async function setup(project: TestProject): Promise<void> {
  let databaseUrl = process.env.DATABASE_URL;
  let redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    const containers = await startContainers(!databaseUrl, !redisUrl);
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
