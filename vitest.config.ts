import { defineConfig } from "vitest/config";
import { TEST_PASSWORD_COST_ENV } from "./packages/testkit/src/password-cost.js";

// One runner for the whole repo: every workspace's tests in one run, one summary.
// Each test file gets its own database and Redis prefix (see @wagate/testkit), so files
// run in parallel against the same Postgres and Redis.
export default defineConfig({
  test: {
    include: [
      "{packages,services}/*/{src,test}/**/*.test.ts",
      "scripts/**/*.test.ts",
      "deploy/**/*.test.ts",
    ],
    globalSetup: ["packages/testkit/src/global-setup.ts"],
    // Cheap password hashing in every test process and the CLIs they spawn.
    env: { ...TEST_PASSWORD_COST_ENV },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 4,
    reporters: ["default"],
  },
});
