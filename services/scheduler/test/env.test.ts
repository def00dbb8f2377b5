import { EnvError } from "@wagate/core";
import { describe, expect, it } from "vitest";
import { parseSchedulerEnv } from "../src/env.js";

const valid = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/wagate",
  REDIS_URL: "redis://127.0.0.1:6379/2",
};

function failure(env: Record<string, string | undefined>): string {
  try {
    parseSchedulerEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).message;
  }
  throw new Error("expected the environment to be rejected");
}

describe("scheduler environment", () => {
  it("takes the documented defaults", () => {
    expect(parseSchedulerEnv(valid)).toMatchObject({
      SCHEDULER_PORT: 3002,
      REDIS_PREFIX: "wagate",
      LOG_LEVEL: "info",
    });
  });

  it.each([
    ["SCHEDULER_PORT", "abc"],
    ["DATABASE_URL", "mysql://x"],
    ["REDIS_URL", "not a url"],
    ["LOG_LEVEL", "verbose"],
    ["API_LOGS_RETENTION_DAYS", "0"],
    ["SCHEDULE_PRUNE_LOGS", "every day"],
  ])("rejects %s=%s, naming the variable", (name, value) => {
    expect(failure({ ...valid, [name]: value })).toContain(`${name}:`);
  });

  it("names a missing REDIS_URL and DATABASE_URL together", () => {
    const message = failure({});
    expect(message).toContain("DATABASE_URL:");
    expect(message).toContain("REDIS_URL:");
  });

  it("accepts `off` for a schedule", () => {
    expect(parseSchedulerEnv({ ...valid, SCHEDULE_PRUNE_LOGS: "off" }).SCHEDULE_PRUNE_LOGS).toBe(
      "off",
    );
  });
});
