/**
 * Profiling aid for the accept path (issue 11): drives POST /api/v1/messages/send-text in
 * process (`app.request`, PROFILE_CONCURRENCY in flight) for PROFILE_SECONDS, prints req/s. Run under
 * `node --cpu-prof --import tsx bench/tools/profile-send.ts` and read the profile with
 * `tsx bench/tools/cpuprofile-top.ts <file>`.
 */
import { createApp } from "@wagate/api";
import { createContext, envInt, startBenchApi } from "../lib.js";

const seconds = envInt("PROFILE_SECONDS", 10);
const concurrency = envInt("PROFILE_CONCURRENCY", 50);
const { ctx, cleanUp } = createContext({
  databaseUrl: process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres",
  redisUrl: process.env.REDIS_URL || "redis://127.0.0.1:6379",
  durationSeconds: seconds,
  connections: concurrency,
});
const api = await startBenchApi(ctx);
const app = createApp(api.deps);
const body = JSON.stringify({ to: "+213 661 23 45 67", text: "hello from the benchmark" });
const headers = { "content-type": "application/json", authorization: `ApiKey ${api.rawKey}` };
let done = 0;
let failed = 0;
const until = performance.now() + seconds * 1000;
const loop = async () => {
  while (performance.now() < until) {
    const res = await app.request("/api/v1/messages/send-text", { method: "POST", headers, body });
    if (res.status === 202) done++;
    else {
      failed++;
      if (failed < 3) console.log(res.status, await res.text());
    }
  }
};
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, loop));
const elapsed = (performance.now() - started) / 1000;
console.log(`${done} accepted, ${failed} failed, ${(done / elapsed).toFixed(1)} req/s`);
await api.close();
await cleanUp();
