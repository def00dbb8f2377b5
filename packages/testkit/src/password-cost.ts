/**
 * The cheapest argon2id cost the API accepts, for every test: production's cost (OWASP's
 * m=19 MiB, t=2) spent on each login makes a loaded machine time out. The vitest config puts
 * these in every test process's environment (so spawned CLIs inherit them) and the API test
 * harnesses pass them to `parseApiEnv`.
 */
export const TEST_PASSWORD_COST_ENV = {
  ARGON2_MEMORY_COST: "1024",
  ARGON2_TIME_COST: "1",
  ARGON2_PARALLELISM: "1",
} as const;

/** The same cost as the API's `PasswordCost`, for tests that hash directly. */
export const TEST_PASSWORD_COST = { memoryCost: 1024, timeCost: 1, parallelism: 1 } as const;
