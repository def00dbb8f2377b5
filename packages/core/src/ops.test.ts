import { describe, expect, it } from "vitest";
import { createMetricsRegistry } from "./metrics.js";
import { createOpsRoutes } from "./ops.js";

describe("wagate_dependency_up", () => {
  it("follows each readiness check on every scrape, a throwing check counting as down", async () => {
    const state = { postgres: true, redis: true };
    const app = createOpsRoutes({
      registry: createMetricsRegistry("test"),
      checks: {
        postgres: async () => state.postgres,
        redis: async () => {
          if (!state.redis) throw new Error("connection refused");
          return true;
        },
      },
    });
    const scrape = async () => (await app.request("/metrics")).text();
    const up = (dependency: string, value: number) =>
      `wagate_dependency_up{dependency="${dependency}",service="test"} ${value}`;

    let text = await scrape();
    expect(text).toContain(up("postgres", 1));
    expect(text).toContain(up("redis", 1));

    state.postgres = false;
    state.redis = false;
    text = await scrape();
    expect(text).toContain(up("postgres", 0));
    expect(text).toContain(up("redis", 0));

    state.postgres = true;
    text = await scrape();
    expect(text).toContain(up("postgres", 1));
    expect(text).toContain(up("redis", 0));
  });
});
