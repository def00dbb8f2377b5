import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { commandExists } from "./lib/processes.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const hasRedis = commandExists("redis-server");
if (!hasRedis) {
  console.warn("scripts/start.test.ts skipped: redis-server is not on PATH");
}

/** A port nobody listens on right now (the OS picks it). */
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

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Launch {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(env: NodeJS.ProcessEnv): Launch {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}

const execFileAsync = promisify(execFile);

/**
 * `npm run <script> -- <args>` from another terminal: the launcher's environment minus every
 * connection setting, so the CLI must find the embedded stores by itself.
 */
async function npmRun(env: NodeJS.ProcessEnv, script: string, args: string[], input?: string) {
  const child = execFileAsync("npm", ["run", "--silent", script, "--", ...args], {
    cwd: ROOT,
    env,
    timeout: 180_000,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  return child;
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string, run: Launch) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline || run.child.exitCode !== null) {
      throw new Error(`timed out waiting for ${what}; launcher output:\n${run.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(!hasRedis)("npm start (embedded PGlite and redis-server)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "wagate-start-"));
  const runs: Launch[] = [];
  afterAll(() => {
    for (const run of runs) if (run.child.exitCode === null) run.child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("starts the three services ready, serves the CLIs beside it, stops them all on SIGINT, restarts, and fails as a whole", async () => {
    const [api, worker, scheduler, pg, redis] = await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      WAGATE_DATA_DIR: dataDir,
      PORT: String(api),
      WORKER_PORT: String(worker),
      SCHEDULER_PORT: String(scheduler),
      WAGATE_PGLITE_PORT: String(pg),
      WAGATE_REDIS_PORT: String(redis),
      LOG_LEVEL: "warn",
      WAGATE_READY_TIMEOUT_MS: "380000",
    };
    for (const name of [
      "DATABASE_URL",
      "REDIS_URL",
      "JWT_SECRET",
      "ADMIN_EMAIL",
      "ADMIN_PASSWORD",
    ]) {
      delete env[name];
    }
    const run = launch(env);
    runs.push(run);
    await waitFor(() => run.output().includes("wagate is ready"), 400_000, "readiness", run);

    for (const port of [api, worker, scheduler]) {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status, `readyz on ${port}`).toBe(200);
      expect(await res.json()).toMatchObject({ checks: { postgres: "ok", redis: "ok" } });
    }
    // A first start creates the admin and a demo key, and keeps the JWT secret private.
    expect(run.output()).toMatch(/email\s+admin@wagate\.local/);
    expect(run.output()).toMatch(/key\s+wag_test_/);
    expect(statSync(join(dataDir, "jwt-secret")).mode & 0o777).toBe(0o600);

    const pids = [...run.output().matchAll(/started (\w+) \(pid (\d+)\)/g)].map((m) => ({
      name: m[1]!,
      pid: Number(m[2]),
    }));
    expect(pids.map((p) => p.name).sort()).toEqual(["api", "redis", "scheduler", "worker"]);

    // The embedded stores are printed, and the CLIs reach them with nothing configured.
    expect(run.output()).toContain(`Postgres        postgres://postgres@127.0.0.1:${pg}/postgres`);
    expect(run.output()).toContain(`Redis           redis://127.0.0.1:${redis}`);
    const listed = await npmRun(env, "admin", ["list"]);
    expect(listed.stdout).toMatch(/owner\s+admin@wagate\.local/);
    const job = await npmRun(env, "scheduler", ["run", "cleanup-expired"]);
    expect(JSON.parse(job.stdout.trim().split("\n").at(-1)!)).toMatchObject({
      job: "cleanup-expired",
      result: "success",
    });
    // A lost first-admin password: reset it from the CLI, then log in with the new one. An
    // access token issued before the reset stops working at once (the CLI reaches Redis).
    const firstPassword = /"password":"([^"]+)"/.exec(run.output())?.[1];
    expect(firstPassword, "the first admin's password is printed").toBeDefined();
    const before = await fetch(`http://127.0.0.1:${api}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "admin@wagate.local", password: firstPassword }),
    });
    expect(before.status, await before.clone().text()).toBe(200);
    const { access_token: oldToken } = (await before.json()) as { access_token: string };
    const me = (token: string) =>
      fetch(`http://127.0.0.1:${api}/api/v1/auth/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await me(oldToken)).status).toBe(200);
    const reset = await npmRun(env, "admin", ["reset-password", "--email", "admin@wagate.local"]);
    const newPassword = /new password \(shown once\): (\S+)/.exec(reset.stdout)?.[1];
    expect(newPassword, reset.stdout).toBeDefined();
    expect(reset.stdout).toContain("access tokens already issued are revoked");
    expect((await me(oldToken)).status).toBe(401);
    const login = async (password: string) =>
      fetch(`http://127.0.0.1:${api}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "admin@wagate.local", password }),
      });
    expect((await login(newPassword!)).status).toBe(200);
    const chosen = "a-password-from-stdin";
    await npmRun(
      env,
      "admin",
      ["reset-password", "--email", "admin@wagate.local", "--password-stdin"],
      `${chosen}\n`,
    );
    expect((await login(chosen)).status).toBe(200);
    expect((await login(newPassword!)).status).toBe(401);

    run.child.kill("SIGINT");
    expect(await run.exited).toBe(0);
    // The CLIs' pointer to the embedded stores goes with them.
    expect(existsSync(join(dataDir, "env"))).toBe(false);
    for (const { name, pid } of pids) expect(alive(pid), `${name} (pid ${pid})`).toBe(false);
    for (const port of [api, worker, scheduler]) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }

    // A second start reuses the data: ready again, and no credentials printed twice.
    const again = launch(env);
    runs.push(again);
    await waitFor(() => again.output().includes("wagate is ready"), 300_000, "restart", again);
    expect((await fetch(`http://127.0.0.1:${api}/readyz`)).status).toBe(200);
    expect(again.output()).not.toContain("First admin");
    expect(again.output()).not.toMatch(/key\s+wag_test_/);

    // A service that dies takes the stack down: the rest stop and the launcher fails.
    const survivors = [...again.output().matchAll(/started (\w+) \(pid (\d+)\)/g)].map((m) => ({
      name: m[1]!,
      pid: Number(m[2]),
    }));
    const victim = survivors.find((p) => p.name === "worker")!;
    process.kill(victim.pid, "SIGKILL");
    expect(await again.exited).toBe(1);
    expect(again.output()).toContain("worker exited");
    for (const { name, pid } of survivors) expect(alive(pid), `${name} (pid ${pid})`).toBe(false);
  }, 1_200_000);
});
