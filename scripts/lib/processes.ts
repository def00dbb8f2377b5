import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { connect, createServer } from "node:net";
import { createInterface } from "node:readline";

const COLORS = [36, 35, 33, 32, 34];
let nextColor = 0;

/** A child process whose output lines are prefixed with its name. */
export interface Child {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
  stop: (timeoutMs: number) => Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * Starts a child in its own process group, so a Ctrl-C in the terminal reaches only the
 * launcher, which then stops the children in order (services first, then their stores).
 */
export function spawnChild(options: SpawnOptions): Child {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const color = COLORS[nextColor++ % COLORS.length];
  const label = process.stdout.isTTY
    ? `\u001b[${color}m${options.name.padEnd(9)}\u001b[0m|`
    : `${options.name.padEnd(9)}|`;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      process.stdout.write(`${label} ${line}\n`);
    });
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    child.once("error", (error) => {
      process.stdout.write(`${label} failed to start: ${error.message}\n`);
      resolve("spawn-error");
    });
  });
  const stop = async (timeoutMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      process.stdout.write(`${label} did not stop within ${timeoutMs} ms: killing it\n`);
      child.kill("SIGKILL");
      await exited;
    }
  };
  return { name: options.name, process: child, exited, stop };
}

/** True when nothing listens on `port` at `host` (we can bind it ourselves). */
export function isPortFree(port: number, host = "0.0.0.0"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** True when `command` can be run (it is on PATH). */
export function commandExists(command: string): boolean {
  const result = spawnSync(command, ["--version"], { stdio: "ignore" });
  return !result.error;
}

/** Sends PING over the Redis protocol; true on `+PONG`. */
export function redisAnswers(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

/** Polls `url` until it answers 200; rejects after `timeoutMs` or when `abort` settles first. */
export async function waitForOk(
  url: string,
  timeoutMs: number,
  abort: Promise<unknown>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let aborted = false;
  void abort.then(() => {
    aborted = true;
  });
  while (Date.now() < deadline) {
    if (aborted) throw new Error(`gave up waiting for ${url}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/** Resolves when `check` returns true; false after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
