import { useTestEnv } from "@wagate/testkit";
import { describe, expect, it, vi } from "vitest";
import { TurnPipeline } from "../src/redis.js";

const env = useTestEnv();

describe("TurnPipeline", () => {
  it("sends the commands of one turn as one pipeline and answers each caller its own reply", async () => {
    const { redis, prefix } = env.redis;
    const turn = new TurnPipeline(redis);
    const pipelines = vi.spyOn(redis, "pipeline");
    await redis.set(`${prefix}:text`, "not a number");
    const calls = [
      turn.call<number>((p) => p.incr(`${prefix}:a`)),
      turn.call<number>((p) => p.incr(`${prefix}:text`)), // fails: not an integer
      turn.call<number>((p) => p.incrby(`${prefix}:a`, 5)),
    ];
    const settled = await Promise.allSettled(calls);
    expect(pipelines).toHaveBeenCalledTimes(1);
    expect(settled[0]).toEqual({ status: "fulfilled", value: 1 });
    expect(settled[1]?.status).toBe("rejected");
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/not an integer/);
    expect(settled[2]).toEqual({ status: "fulfilled", value: 6 });
    // The next turn gets a pipeline of its own.
    expect(await turn.call<number>((p) => p.incr(`${prefix}:a`))).toBe(7);
    expect(pipelines).toHaveBeenCalledTimes(2);
    pipelines.mockRestore();
  });
});
