import { spawn, spawnSync } from "node:child_process";
import { chownSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { redisAnswers, waitUntil } from "../../scripts/lib/processes.js";
import { type LoggedChild, spawnLogged, tail } from "./procs.js";

const envVar = (name: string) => process.env[name] || undefined;
const PG_BIN = envVar("CHAOS_PG_BIN") ?? "/usr/lib/postgresql/15/bin";

/** Runs a Postgres tool as the `postgres` user (initdb refuses root); throws on failure. */
function asPostgres(tool: string, args: string[]) {
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? "runuser" : join(PG_BIN, tool);
  const argv = asRoot ? ["-u", "postgres", "--", join(PG_BIN, tool), ...args] : args;
  const result = spawnSync(command, argv, { encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(
      `${tool} ${args[0] ?? ""} failed: ${result.stderr || result.stdout || result.error}`,
    );
  }
}

/** `asPostgres` without blocking the event loop (the load client keeps measuring meanwhile). */
function asPostgresAsync(tool: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? "runuser" : join(PG_BIN, tool);
  const argv = asRoot ? ["-u", "postgres", "--", join(PG_BIN, tool), ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${tool} ${args[0] ?? ""} failed: ${stderr}`)),
    );
  });
}

/** A private Postgres cluster on loopback (its own data directory and port). */
export class PrivatePostgres {
  readonly dataDir: string;
  readonly logFile: string;
  private running = false;

  constructor(
    root: string,
    readonly port: number,
  ) {
    this.dataDir = join(root, "pg");
    this.logFile = join(root, "postgres.log");
  }

  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/wagate`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const sockets = join(this.dataDir, "..", "pg-sockets");
    mkdirSync(sockets, { recursive: true });
    if (process.getuid?.() === 0) {
      for (const dir of [join(this.dataDir, ".."), this.dataDir, sockets]) {
        chownSync(dir, uid("postgres"), gid("postgres"));
      }
    }
    asPostgres("initdb", ["-D", this.dataDir, "-U", "postgres", "-A", "trust", "--no-sync"]);
    const options = [
      `-p ${this.port}`,
      "-c listen_addresses=127.0.0.1",
      `-c unix_socket_directories=${sockets}`,
      // Only a process crash is played here: the page cache survives, so no fsync is needed.
      "-c fsync=off",
      "-c max_connections=200",
    ].join(" ");
    asPostgres("pg_ctl", ["-D", this.dataDir, "-o", options, "-l", this.logFile, "-w", "start"]);
    this.running = true;
    asPostgres("createdb", [
      "-h",
      "127.0.0.1",
      "-p",
      String(this.port),
      "-U",
      "postgres",
      "wagate",
    ]);
  }

  /** `pg_ctl restart -m immediate`: every backend dies at once, crash recovery on start. */
  restartImmediate(): Promise<void> {
    return asPostgresAsync("pg_ctl", [
      "-D",
      this.dataDir,
      "-l",
      this.logFile,
      "-m",
      "immediate",
      "-w",
      "restart",
    ]);
  }

  /** Synchronous, so it can run from an `exit` handler too. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    try {
      asPostgres("pg_ctl", ["-D", this.dataDir, "-m", "immediate", "-w", "stop"]);
    } catch (error) {
      process.stderr.write(`chaos: stopping postgres failed: ${error}\n${tail(this.logFile)}\n`);
    }
  }
}

function uid(user: string): number {
  return Number(spawnSync("id", ["-u", user], { encoding: "utf8" }).stdout.trim());
}
function gid(user: string): number {
  return Number(spawnSync("id", ["-g", user], { encoding: "utf8" }).stdout.trim());
}

/** A private redis-server without persistence: a restart brings it back empty. */
export class PrivateRedis {
  child: LoggedChild | undefined;

  constructor(
    private readonly root: string,
    readonly port: number,
  ) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawnLogged({
      name: "redis",
      command: "redis-server",
      args: [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        this.root,
        "--maxmemory-policy",
        "noeviction",
        "--loglevel",
        "warning",
      ],
      env: process.env,
      cwd: this.root,
      logFile: join(this.root, "redis.log"),
    });
    this.child = child;
    const up = await Promise.race([
      waitUntil(() => redisAnswers(this.port), 15_000),
      child.exited.then(() => false),
    ]);
    if (!up) throw new Error(`redis-server did not start on ${this.port}:\n${tail(child.logFile)}`);
  }

  /** SIGKILL, then a new empty server on the same port. */
  async killAndRestartEmpty(): Promise<void> {
    await this.child?.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.child?.kill();
  }
}
