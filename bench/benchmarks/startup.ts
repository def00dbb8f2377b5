import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import {
  buildService,
  distEntry,
  isStale,
  ROOT,
  SERVICE_DIRS,
  type ServiceDir,
} from "../../scripts/lib/build.js";
import { type Benchmark, envInt, median, result } from "../lib.js";

/** Environment variable naming each service's HTTP port. */
const PORT_VARIABLE: Record<ServiceDir, string> = {
  api: "PORT",
  "whatsapp-worker": "WORKER_PORT",
  scheduler: "SCHEDULER_PORT",
};

type Mode = "tsx" | "compiled";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resident memory of `pid` and every process below it (tsx runs an esbuild child), bytes. */
function treeRssBytes(pid: number): number {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return 0;
  const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(status, "utf8"))?.[1] ?? 0);
  const childrenFile = `/proc/${pid}/task/${pid}/children`;
  const children = existsSync(childrenFile)
    ? readFileSync(childrenFile, "utf8").trim().split(/\s+/).filter(Boolean).map(Number)
    : [];
  return kib * 1024 + children.reduce((sum, child) => sum + treeRssBytes(child), 0);
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });

/**
 * Starts one service the way `npm start` (compiled) or `npm run dev` (tsx) does, times the
 * spawn → first 200 on /readyz, lets it sit idle, then reads its resident memory.
 */
async function startOnce(
  service: ServiceDir,
  mode: Mode,
  env: NodeJS.ProcessEnv,
  idleMs: number,
): Promise<{ readyMs: number; rssBytes: number }> {
  const port = await freePort();
  const args =
    mode === "tsx"
      ? ["--import", "tsx", join("services", service, "src", "main.ts")]
      : [distEntry(service)];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...env, [PORT_VARIABLE[service]]: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk.toString();
  });
  try {
    const deadline = Date.now() + 300_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${service} (${mode}) exited: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`${service} (${mode}) not ready in 300 s`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
        .then(async (res) => {
          await res.body?.cancel();
          return res.status === 200;
        })
        .catch(() => false);
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const readyMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    return { readyMs, rssBytes: treeRssBytes(child.pid!) };
  } finally {
    child.kill("SIGTERM");
    await Promise.race([exited(child), new Promise((resolve) => setTimeout(resolve, 20_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/**
 * Issue 11 "compiled services": each service compiled with esbuild and run by plain `node`,
 * against the same service run through tsx (the yardstick), by idle resident memory and time
 * to a ready /readyz. Runs alternate modes so a load change on the machine hits both alike.
 */
export const benchmark: Benchmark = {
  name: "startup",
  description: "idle RSS and time to /readyz per service, compiled (node dist/) vs tsx",
  run: async (ctx) => {
    const runs = envInt("BENCH_STARTUP_RUNS", 3);
    const idleMs = envInt("BENCH_STARTUP_IDLE_MS", 5000);
    for (const service of SERVICE_DIRS) {
      if (isStale(service)) {
        ctx.log(`building services/${service}/dist`);
        await buildService(service);
      }
    }
    const databaseUrl = await ctx.createDatabase();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "development",
      DATABASE_URL: databaseUrl,
      REDIS_URL: ctx.redisUrl,
      REDIS_PREFIX: ctx.redisPrefix(),
      LOG_LEVEL: "warn",
      SIM_PROFILE: "fast",
    };
    const results = [];
    for (const service of SERVICE_DIRS) {
      const figures: Record<Mode, { readyMs: number[]; rss: number[] }> = {
        tsx: { readyMs: [], rss: [] },
        compiled: { readyMs: [], rss: [] },
      };
      for (let i = 0; i < runs; i++) {
        for (const mode of ["tsx", "compiled"] as const) {
          const once = await startOnce(service, mode, env, idleMs);
          figures[mode].readyMs.push(once.readyMs);
          figures[mode].rss.push(once.rssBytes);
        }
      }
      const mib = (bytes: number) => bytes / 1024 / 1024;
      const tsxRss = mib(median(figures.tsx.rss));
      const compiledRss = mib(median(figures.compiled.rss));
      const tsxReady = median(figures.tsx.readyMs);
      const compiledReady = median(figures.compiled.readyMs);
      ctx.log(
        `${service}: RSS ${compiledRss.toFixed(1)} MiB compiled vs ${tsxRss.toFixed(1)} MiB tsx; ` +
          `ready in ${compiledReady.toFixed(0)} ms vs ${tsxReady.toFixed(0)} ms (median of ${runs})`,
      );
      results.push(
        result(`startup.${service}.idle_rss_tsx`, tsxRss, "MiB"),
        result(`startup.${service}.idle_rss_compiled`, compiledRss, "MiB", tsxRss),
        result(`startup.${service}.readyz_ms_tsx`, tsxReady, "ms"),
        result(`startup.${service}.readyz_ms_compiled`, compiledReady, "ms", tsxReady),
      );
    }
    return results;
  },
};
