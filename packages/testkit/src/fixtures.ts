import { randomBytes } from "node:crypto";
import { createDb, type DbClient } from "@wagate/db";
import { Redis } from "ioredis";
import postgres from "postgres";
import { afterAll, beforeAll, inject } from "vitest";
import { withDatabase } from "./infra.js";

export interface TestDatabase extends DbClient {
  /** Connection string of this file's own database. */
  url: string;
  name: string;
}

export interface TestRedis {
  url: string;
  /** Prefix for every Redis key and BullMQ queue this file touches. */
  prefix: string;
  redis: Redis;
}

const suffix = () => randomBytes(5).toString("hex");

/** A fresh database copied from the migrated template; dropped by `drop()`. */
export async function createTestDatabase(): Promise<TestDatabase & { drop: () => Promise<void> }> {
  const infra = inject("wagateInfra");
  const name = `wagate_t_${suffix()}`;
  const admin = postgres(infra.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}" template "${infra.templateDatabase}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = withDatabase(infra.databaseUrl, name);
  const client = createDb(url, { max: 5, applicationName: "wagate-test" });
  return {
    ...client,
    url,
    name,
    drop: async () => {
      await client.close();
      const dropper = postgres(infra.databaseUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}

/** A Redis client and a unique key prefix; `clear()` deletes every key under the prefix. */
export async function createTestRedis(): Promise<TestRedis & { clear: () => Promise<void> }> {
  const { redisUrl } = inject("wagateInfra");
  const prefix = `t${suffix()}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  const clear = async () => {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== "0");
  };
  return { url: redisUrl, prefix, redis, clear };
}

export interface TestEnv {
  db: TestDatabase;
  redis: TestRedis;
}

/**
 * Registers beforeAll/afterAll hooks giving this test file its own database and Redis
 * prefix. Read the fields inside tests or hooks (they are filled in by beforeAll).
 */
export function useTestEnv(): TestEnv {
  const env = {} as TestEnv;
  let dropDb: (() => Promise<void>) | undefined;
  let clearRedis: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
    env.db = db;
    env.redis = redis;
    dropDb = db.drop;
    clearRedis = async () => {
      await redis.clear();
      redis.redis.disconnect();
    };
  });
  afterAll(async () => {
    await Promise.all([dropDb?.(), clearRedis?.()]);
  });
  return env;
}
