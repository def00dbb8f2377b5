import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { runMigrations } from "@wagate/db";

const BIN = "/usr/lib/postgresql/15/bin";

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/** Runs a Postgres binary as the `postgres` user (initdb refuses root). */
function asPostgres(binary: string, args: string[]): void {
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  execFileSync(path.join(BIN, binary), args, { uid, gid, stdio: "ignore", cwd: "/tmp" });
}

/**
 * A Postgres server of this test alone (initdb in a temp dir, a free port, trust auth), so
 * it can be stopped and started while the shared one keeps serving everybody else.
 */
export class PrivatePostgres {
  readonly dir: string;
  port = 0;

  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), "wagate-pg-"));
    chmodSync(this.dir, 0o700);
    chownSync(this.dir, Number(execFileSync("id", ["-u", "postgres"]).toString().trim()), 0);
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/wagate`;
  }

  /** initdb, start, create the `wagate` database and run the migrations. */
  async init(): Promise<void> {
    this.port = await freePort();
    asPostgres("initdb", ["-D", path.join(this.dir, "data"), "-U", "postgres", "-A", "trust"]);
    this.start();
    execFileSync(path.join(BIN, "createdb"), [
      "-h",
      "127.0.0.1",
      "-p",
      String(this.port),
      "-U",
      "postgres",
      "wagate",
    ]);
    await runMigrations(this.url);
  }

  start(): void {
    asPostgres("pg_ctl", [
      "-D",
      path.join(this.dir, "data"),
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "-l",
      path.join(this.dir, "log"),
      "-w",
      "start",
    ]);
  }

  /** Fast shutdown: every connection is cut, as in a restart. */
  stop(): void {
    asPostgres("pg_ctl", ["-D", path.join(this.dir, "data"), "-m", "fast", "-w", "stop"]);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
