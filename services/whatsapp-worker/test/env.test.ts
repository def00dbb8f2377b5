import { EnvError } from "@wagate/core";
import { describe, expect, it } from "vitest";
import { parseWorkerEnv } from "../src/env.js";

const valid = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/wagate",
  REDIS_URL: "rediss://127.0.0.1:6380",
};

function failure(env: Record<string, string | undefined>): string {
  try {
    parseWorkerEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).message;
  }
  throw new Error("expected the environment to be rejected");
}

describe("worker environment", () => {
  it("takes the documented defaults", () => {
    expect(parseWorkerEnv(valid)).toMatchObject({
      WORKER_PORT: 3001,
      REDIS_PREFIX: "wagate",
      SIM_LINK_DELAY_MS: 2000,
      PUPPETEER_EXECUTABLE_PATH: "/usr/bin/chromium",
      WEBHOOK_ALLOW_PRIVATE: false,
    });
  });

  it.each([
    ["WORKER_PORT", "abc"],
    ["WORKER_PORT", "0"],
    ["DATABASE_URL", "mysql://x"],
    ["REDIS_URL", "memcached://x"],
    ["WEBHOOK_ALLOW_PRIVATE", "maybe"],
    ["SIM_LINK_DELAY_MS", "-5"],
    ["SHUTDOWN_TIMEOUT_MS", "soon"],
  ])("rejects %s=%s, naming the variable", (name, value) => {
    expect(failure({ ...valid, [name]: value })).toContain(`${name}:`);
  });

  it("names a missing REDIS_URL", () => {
    expect(failure({ DATABASE_URL: valid.DATABASE_URL })).toContain("REDIS_URL:");
  });

  it("checks that the heartbeat is shorter than the lease", () => {
    expect(failure({ ...valid, HEARTBEAT_MS: "20000", LEASE_TTL_MS: "10000" })).toContain(
      "HEARTBEAT_MS:",
    );
  });
});
