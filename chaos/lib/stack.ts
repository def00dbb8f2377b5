import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { redisAnswers, waitForOk, waitUntil } from "../../scripts/lib/processes.js";
import { freePort, type LoggedChild, spawnLogged, tail } from "./procs.js";
import { PrivatePostgres, PrivateRedis } from "./stores.js";

export interface StackSettings {
  requestTimeoutMs: number;
  /** The API's REQUEST_MAX_IN_FLIGHT (load shedding). */
  maxInFlight: number;
  leaseTtlMs: number;
  heartbeatMs: number;
  /** Pace of the session's sends (the workers' PACING_PER_MINUTE / 60). */
  sendsPerSecond: number;
}

interface ServiceSpec {
  name: string;
  dir: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

/**
 * The whole gateway on private stores: Postgres and Redis of its own, the API reaching Redis
 * through a partition proxy, two workers and the scheduler as child processes started the
 * way `npm start` starts them.
 */
export class ChaosStack {
  readonly jwtSecret = randomBytes(32).toString("hex");
  pg!: PrivatePostgres;
  redis!: PrivateRedis;
  proxy!: ProxyProcess;
  readonly services = new Map<string, { spec: ServiceSpec; child: LoggedChild }>();

  constructor(
    readonly root: string,
    readonly repo: string,
    readonly settings: StackSettings,
  ) {}

  get apiUrl() {
    return `http://127.0.0.1:${this.services.get("api")?.spec.port}`;
  }

  async startStores(): Promise<void> {
    this.pg = new PrivatePostgres(this.root, await freePort());
    await this.pg.start();
    this.redis = new PrivateRedis(this.root, await freePort());
    await this.redis.start();
    this.proxy = await startProxy(this.root, this.repo, this.redis.port);
  }

  async startServices(): Promise<void> {
    const common: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "development",
      LOG_LEVEL: "info",
      DATABASE_URL: this.pg.url,
      REDIS_URL: this.redis.url,
      REDIS_PREFIX: "wagate",
      JWT_SECRET: this.jwtSecret,
      SHUTDOWN_TIMEOUT_MS: "15000",
    };
    const worker = (n: number, port: number): ServiceSpec => ({
      name: `worker-${n}`,
      dir: "whatsapp-worker",
      port,
      env: {
        ...common,
        WORKER_PORT: String(port),
        // Paced at `sendsPerSecond` (normal simulator acks), so a burst leaves a backlog in
        // Redis for the faults to hit.
        SIM_PROFILE: "normal",
        SIM_LINK_DELAY_MS: "200",
        PACING_PER_MINUTE: String(this.settings.sendsPerSecond * 60),
        PACING_BURST: "5",
        PACING_MIN_GAP_MS: "0",
        PACING_JITTER_MS: "0",
        LEASE_TTL_MS: String(this.settings.leaseTtlMs),
        HEARTBEAT_MS: String(this.settings.heartbeatMs),
        WWEBJS_DATA_PATH: join(this.root, `wwebjs-${n}`),
      },
    });
    const apiPort = await freePort();
    const specs: ServiceSpec[] = [
      {
        name: "api",
        dir: "api",
        port: apiPort,
        env: {
          ...common,
          PORT: String(apiPort),
          REDIS_URL: this.proxy.url,
          REQUEST_TIMEOUT_MS: String(this.settings.requestTimeoutMs),
          REQUEST_MAX_IN_FLIGHT: String(this.settings.maxInFlight),
          API_KEY_RATE_LIMIT_PER_SECOND: "1000",
        },
      },
      worker(1, await freePort()),
      worker(2, await freePort()),
    ];
    const schedulerPort = await freePort();
    specs.push({
      name: "scheduler",
      dir: "scheduler",
      port: schedulerPort,
      env: { ...common, SCHEDULER_PORT: String(schedulerPort) },
    });
    for (const spec of specs) this.spawn(spec);
    await Promise.all(specs.map((spec) => this.waitReady(spec.name)));
  }

  spawn(spec: ServiceSpec): LoggedChild {
    const child = spawnLogged({
      name: spec.name,
      command: process.execPath,
      args: ["--import", "tsx", join("services", spec.dir, "src", "main.ts")],
      env: spec.env,
      cwd: this.repo,
      logFile: join(this.root, `${spec.name}.log`),
    });
    this.services.set(spec.name, { spec, child });
    return child;
  }

  async waitReady(name: string, timeoutMs = 120_000): Promise<void> {
    const service = this.services.get(name);
    if (!service) throw new Error(`no service ${name}`);
    const { spec, child } = service;
    const portKey =
      spec.name === "api" ? "PORT" : spec.name === "scheduler" ? "SCHEDULER_PORT" : "WORKER_PORT";
    const port = spec.env[portKey];
    try {
      await waitForOk(`http://127.0.0.1:${port}/readyz`, timeoutMs, child.exited);
    } catch (error) {
      throw new Error(`${name} did not become ready: ${error}\n${tail(child.logFile)}`);
    }
  }

  /** Restarts a service that was killed, same port and environment. */
  async respawn(name: string): Promise<void> {
    const service = this.services.get(name);
    if (!service) throw new Error(`no service ${name}`);
    await service.child.kill();
    this.spawn(service.spec);
    await this.waitReady(name);
  }

  /** Names of services that died without being killed by us. */
  deadServices(except: Set<string>): string[] {
    return [...this.services.values()]
      .filter(({ spec, child }) => !except.has(spec.name) && !child.alive())
      .map(({ spec }) => spec.name);
  }

  /** The worker whose `wagate_worker_sessions_owned` is above zero. */
  async sessionOwner(): Promise<string | null> {
    for (const [name, { spec, child }] of this.services) {
      if (!name.startsWith("worker") || !child.alive()) continue;
      try {
        const res = await fetch(`http://127.0.0.1:${spec.env.WORKER_PORT}/metrics`, {
          signal: AbortSignal.timeout(3000),
        });
        const text = await res.text();
        const owned = Number(/^wagate_worker_sessions_owned\S* (\d+)/m.exec(text)?.[1] ?? 0);
        if (owned > 0) return name;
      } catch {
        // Not answering: not the owner we can kill.
      }
    }
    return null;
  }

  /** SIGTERM to each service; how long each took to exit (or that it had to be killed). */
  async stopServices(timeoutMs = 20_000): Promise<Map<string, { ms: number; killed: boolean }>> {
    const results = new Map<string, { ms: number; killed: boolean }>();
    await Promise.all(
      [...this.services.values()].map(async ({ spec, child }) => {
        if (!child.alive()) return;
        const started = Date.now();
        let killed = false;
        const timer = setTimeout(() => {
          killed = true;
        }, timeoutMs);
        await child.stop(timeoutMs);
        clearTimeout(timer);
        results.set(spec.name, { ms: Date.now() - started, killed });
      }),
    );
    return results;
  }

  /** Best effort, synchronous: for the `exit` handler. */
  killEverythingNow(): void {
    for (const { child } of this.services.values()) {
      if (child.alive() && child.process.pid) {
        try {
          process.kill(-child.process.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
    }
    for (const child of [this.redis?.child, this.proxy?.child]) {
      const pid = child?.process.pid;
      if (!pid || !child?.alive()) continue;
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    this.pg?.stop();
  }
}

/** The partition proxy (`proxy-main.ts`) in its own process: SIGUSR1 cuts, SIGUSR2 heals. */
export interface ProxyProcess {
  port: number;
  url: string;
  child: LoggedChild;
  cut: () => void;
  heal: () => void;
  close: () => Promise<void>;
}

async function startProxy(root: string, repo: string, targetPort: number): Promise<ProxyProcess> {
  const port = await freePort();
  const child = spawnLogged({
    name: "proxy",
    command: process.execPath,
    args: [
      "--import",
      "tsx",
      join("chaos", "lib", "proxy-main.ts"),
      String(port),
      String(targetPort),
    ],
    env: process.env,
    cwd: repo,
    logFile: join(root, "proxy.log"),
  });
  const up = await Promise.race([
    waitUntil(() => redisAnswers(port), 60_000),
    child.exited.then(() => false),
  ]);
  if (!up) throw new Error(`the partition proxy did not start:\n${tail(child.logFile)}`);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    child,
    cut: () => child.process.kill("SIGUSR1"),
    heal: () => child.process.kill("SIGUSR2"),
    close: () => child.stop(2000),
  };
}
