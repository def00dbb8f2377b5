import { EnvError } from "@wagate/core";
import { describe, expect, it } from "vitest";
import { parseApiEnv } from "../src/env.js";

const valid = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/wagate",
  REDIS_URL: "redis://127.0.0.1:6379",
};

/** The message of the EnvError that parsing `env` throws. */
function failure(env: Record<string, string | undefined>): string {
  try {
    parseApiEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).message;
  }
  throw new Error("expected the environment to be rejected");
}

describe("API environment", () => {
  it("takes the documented defaults", () => {
    const env = parseApiEnv(valid);
    expect(env).toMatchObject({
      PORT: 3000,
      NODE_ENV: "development",
      REDIS_PREFIX: "wagate",
      LOG_LEVEL: "info",
      WEBHOOK_ALLOW_PRIVATE: false,
      SHUTDOWN_TIMEOUT_MS: 15_000,
    });
  });

  it("coerces numbers and explicit booleans", () => {
    const env = parseApiEnv({ ...valid, PORT: "8080", WEBHOOK_ALLOW_PRIVATE: "TRUE" });
    expect(env.PORT).toBe(8080);
    expect(env.WEBHOOK_ALLOW_PRIVATE).toBe(true);
    expect(parseApiEnv({ ...valid, WEBHOOK_ALLOW_PRIVATE: "0" }).WEBHOOK_ALLOW_PRIVATE).toBe(false);
  });

  it.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["DATABASE_URL", "mysql://x"],
    ["REDIS_URL", "http://127.0.0.1:6379"],
    ["WEBHOOK_ALLOW_PRIVATE", "maybe"],
    ["LOG_LEVEL", "loud"],
    ["NODE_ENV", "staging"],
    ["JWT_SECRET", "too-short"],
    ["REDIS_PREFIX", "has spaces"],
  ])("rejects %s=%s, naming the variable", (name, value) => {
    expect(failure({ ...valid, [name]: value })).toContain(`${name}:`);
  });

  it("names a missing REDIS_URL and DATABASE_URL", () => {
    expect(failure({ DATABASE_URL: valid.DATABASE_URL })).toContain("REDIS_URL:");
    expect(failure({ REDIS_URL: valid.REDIS_URL })).toContain("DATABASE_URL:");
  });

  it("requires JWT_SECRET in production", () => {
    expect(failure({ ...valid, NODE_ENV: "production" })).toMatch(/JWT_SECRET: .*production/);
    const env = parseApiEnv({ ...valid, NODE_ENV: "production", JWT_SECRET: "s".repeat(32) });
    expect(env.NODE_ENV).toBe("production");
  });

  it("wants ADMIN_EMAIL and ADMIN_PASSWORD together", () => {
    expect(failure({ ...valid, ADMIN_EMAIL: "owner@example.com" })).toContain("ADMIN_PASSWORD:");
    expect(failure({ ...valid, ADMIN_PASSWORD: "long-enough-pw" })).toContain("ADMIN_EMAIL:");
  });

  it("treats empty strings as unset", () => {
    expect(parseApiEnv({ ...valid, PORT: "", JWT_SECRET: "" }).PORT).toBe(3000);
  });

  it("never echoes a secret's value in the message", () => {
    const secret = "short-secret-value";
    expect(failure({ ...valid, JWT_SECRET: secret })).not.toContain(secret);
  });
});
