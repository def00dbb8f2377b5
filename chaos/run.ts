/**
 * `npm run chaos`: the fault suite. Starts the gateway on its own Postgres and Redis, pushes
 * sends through the public API and, in turn, (1) SIGKILLs the worker that owns the session,
 * (2) kills Redis and brings it back empty, (3) restarts Postgres immediately, (4) cuts the
 * network between the API and Redis, and (5) SIGKILLs the owning worker and empties Redis at
 * once while a broadcast is half sent. After each it checks from outside (the API's answers,
 * the messages table and the simulator's WhatsApp servers) that every accepted message was
 * sent exactly once, that the API answered only 2xx/4xx/503 and never took longer than 5 s,
 * and prints the time to recovery against the goals. Exits 1 on any violation; every process
 * and temporary directory it made is removed, whatever happens. See chaos/README.md.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runMigrations } from "@wagate/db";
import postgres from "postgres";
import { apiKeySecretFor, createDemoAccount } from "../scripts/lib/bootstrap.js";
import { duplicateDeliveries, firstDeliveryAfter, isSent, outcomes } from "./lib/checks.js";
import { type Answer, HUNG_MS, LoadClient, type Send } from "./lib/load.js";
import { sleep, tail } from "./lib/procs.js";
import { ChaosStack } from "./lib/stack.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be an integer ≥ 0`);
  return value;
}

const cfg = {
  /** Sends per second pushed during each fault. */
  rate: intEnv("CHAOS_RATE", 8),
  /** Sends pushed at once right before each fault: a backlog in Redis for the fault to hit. */
  burst: intEnv("CHAOS_BURST", 40),
  /** The session's send pace (workers' pacing), a second. */
  sendsPerSecond: intEnv("CHAOS_SENDS_PER_SECOND", 10),
  /** Load before each fault and after it ends, ms. */
  leadMs: intEnv("CHAOS_LEAD_MS", 2000),
  tailMs: intEnv("CHAOS_TAIL_MS", 2000),
  /** Longest wait for every accepted message to be sent after a fault. */
  settleMs: intEnv("CHAOS_SETTLE_MS", 45_000),
  cutMs: intEnv("CHAOS_CUT_MS", 4000),
  requestTimeoutMs: intEnv("CHAOS_REQUEST_TIMEOUT_MS", 2500),
  maxInFlight: intEnv("CHAOS_MAX_IN_FLIGHT", 32),
  leaseTtlMs: intEnv("CHAOS_LEASE_TTL_MS", 10_000),
  heartbeatMs: intEnv("CHAOS_HEARTBEAT_MS", 2000),
  /** Recipients of the broadcast hit by a worker kill and a Redis loss at once (0: skip). */
  broadcastSize: intEnv("CHAOS_BROADCAST_SIZE", 150),
  /** The whole run, set-up and clean-up included. */
  timeoutMs: intEnv("CHAOS_TIMEOUT_MS", 360_000),
  keep: intEnv("CHAOS_KEEP", 0) === 1,
};

const say = (line: string) => process.stdout.write(`chaos | ${line}\n`);

interface FaultResult {
  name: string;
  accepted: number;
  sentOnce: number;
  notSent: string[];
  duplicates: string[];
  answers: Record<string, number>;
  badAnswers: Answer[];
  recoveryMs: number | null;
  goal: string;
  goalMs: number | null;
  metric: string;
  notes: string[];
}

interface Fault {
  name: string;
  goal: string;
  goalMs: number | null;
  /** What `recoveryMs` measures for this fault. */
  metric: string;
  /** Plays the fault; resolves with the moment it ended (the clock of the recovery goal). */
  play: (ctx: FaultContext) => Promise<{ endedAt: Date; recoveryMs?: number; notes?: string[] }>;
  /** Puts the stack back as it was, after the checks (e.g. restarts a killed worker). */
  restore?: (ctx: FaultContext) => Promise<void>;
}

interface FaultContext {
  stack: ChaosStack;
  sql: postgres.Sql;
}

let killedWorker: string | undefined;

const faults: Fault[] = [
  {
    name: "worker SIGKILL",
    goal: `sending again within lease + 5 s (${cfg.leaseTtlMs / 1000 + 5} s)`,
    goalMs: cfg.leaseTtlMs + 5000,
    metric: "first send after the kill",
    async play({ stack, sql }) {
      const owner = await stack.sessionOwner();
      if (!owner) throw new Error("no worker reports owning the session");
      const killedAt = new Date();
      await stack.services.get(owner)?.child.kill();
      say(`  killed ${owner} (SIGKILL)`);
      let first: Date | null = null;
      const giveUp = Date.now() + cfg.leaseTtlMs + 30_000;
      while (!first && Date.now() < giveUp) {
        await sleep(200);
        first = await firstDeliveryAfter(sql, killedAt).catch(() => null);
      }
      killedWorker = owner;
      return {
        endedAt: killedAt,
        recoveryMs: first ? first.getTime() - killedAt.getTime() : undefined,
        notes: [`killed ${owner}`],
      };
    },
    async restore({ stack }) {
      // Back to two workers for the next faults.
      if (killedWorker) await stack.respawn(killedWorker);
    },
  },
  {
    name: "Redis killed, back empty",
    goal: "every accepted message sent within 30 s of Redis coming back",
    goalMs: 30_000,
    metric: "last message of the phase sent, from Redis back",
    async play({ stack }) {
      await stack.redis.killAndRestartEmpty();
      say("  redis SIGKILLed and restarted empty");
      return { endedAt: new Date() };
    },
  },
  {
    name: "Postgres restart -m immediate",
    goal: "every accepted message sent (no stated time goal)",
    goalMs: null,
    metric: "last message of the phase sent, from Postgres back",
    async play({ stack }) {
      await stack.pg.restartImmediate();
      say("  postgres restarted (immediate)");
      return { endedAt: new Date() };
    },
  },
  {
    name: `API↔Redis network cut (${cfg.cutMs / 1000} s)`,
    goal: "every accepted message sent (no stated time goal)",
    goalMs: null,
    metric: "last message of the phase sent, from the network healed",
    async play({ stack }) {
      stack.proxy.cut();
      say("  network between API and Redis cut");
      await sleep(cfg.cutMs);
      stack.proxy.heal();
      say("  network healed");
      return { endedAt: new Date() };
    },
  },
];

async function waitSessionReady(client: LoadClient, timeoutMs: number) {
  const giveUp = Date.now() + timeoutMs;
  while (Date.now() < giveUp) {
    const res = await client.request("setup", "GET", "/api/v1/sessions/status");
    if ((res.json as { status?: string } | null)?.status === "ready") return;
    await sleep(250);
  }
  throw new Error("the simulator session did not become ready");
}

/** Polls until every accepted message is sent or `settleMs` passes; returns the outcomes. */
async function settle(sql: postgres.Sql, sends: Send[], settleMs: number) {
  const ids = sends.flatMap((s) => (s.accepted && s.id ? [s.id] : []));
  const giveUp = Date.now() + settleMs;
  for (;;) {
    const found = await outcomes(sql, ids).catch(() => null);
    if (found && [...found.values()].every(isSent)) return found;
    if (Date.now() > giveUp) return found ?? new Map();
    await sleep(250);
  }
}

async function runFault(
  fault: Fault,
  ctx: FaultContext,
  client: LoadClient,
  answeredBefore: number,
) {
  say(`fault: ${fault.name}`);
  const load = client.run(fault.name, cfg.rate);
  const burst = Array.from({ length: cfg.burst }, () => client.send(fault.name));
  await sleep(cfg.leadMs);
  // The fault must hit accepted work still waiting in Redis: the burst is in before it starts.
  const burstSends = await Promise.all(burst);
  const queuedIds = client.sends.flatMap((s) => (s.accepted && s.id ? [s.id] : []));
  const atFault = await outcomes(ctx.sql, queuedIds).catch(() => new Map());
  const backlog = [...atFault.values()].filter((o) => !isSent(o)).length;
  const played = await fault.play(ctx);
  await sleep(cfg.tailMs);
  const sends = [...(await load.stop()), ...burstSends];
  const found = await settle(ctx.sql, sends, cfg.settleMs);
  const accepted = sends.filter((s) => s.accepted && s.id);
  const notSent = accepted.filter((s) => !found.get(s.id!) || !isSent(found.get(s.id!)!));
  const sentOnce = accepted.filter(
    (s) => found.get(s.id!)?.sendCount === 1 && isSent(found.get(s.id!)!),
  );

  // Full recovery: the last message of the phase (backlog, burst and load) went out.
  let recoveryMs = played.recoveryMs ?? null;
  if (played.recoveryMs === undefined && notSent.length === 0) {
    let last = played.endedAt.getTime();
    for (const send of accepted) {
      last = Math.max(last, found.get(send.id!)?.firstSentAt?.getTime() ?? 0);
    }
    recoveryMs = last - played.endedAt.getTime();
  }
  await fault.restore?.(ctx);
  const answers: Record<string, number> = {};
  const phaseAnswers = client.answers.slice(answeredBefore);
  for (const a of phaseAnswers) answers[String(a.status)] = (answers[String(a.status)] ?? 0) + 1;
  const badAnswers = phaseAnswers.filter(
    (a) => typeof a.status !== "number" || a.ms > HUNG_MS || (a.status >= 500 && a.status !== 503),
  );
  return {
    name: fault.name,
    accepted: accepted.length,
    sentOnce: sentOnce.length,
    notSent: notSent.map((s) => `${s.id} (${found.get(s.id!)?.status ?? "no row"})`),
    duplicates: await duplicateDeliveries(ctx.sql),
    answers,
    badAnswers,
    recoveryMs,
    goal: fault.goal,
    goalMs: fault.goalMs,
    metric: fault.metric,
    notes: [
      `${backlog} accepted messages not yet sent when the fault began`,
      ...(played.notes ?? []),
    ],
  } satisfies FaultResult;
}

/**
 * A broadcast half sent when the worker that sends it is SIGKILLed and Redis comes back empty
 * at the same moment: every job in Redis is gone and the session's owner with them. Every
 * recipient must still get the message exactly once and the broadcast must complete.
 */
async function runBroadcastFault(
  ctx: FaultContext,
  client: LoadClient,
  answeredBefore: number,
): Promise<FaultResult> {
  const name = `broadcast of ${cfg.broadcastSize}: worker SIGKILL + Redis back empty`;
  say(`fault: ${name}`);
  const recipients = Array.from({ length: cfg.broadcastSize }, (_, i) => ({
    // Ending in 5: apart from the load's recipients (…7) and the simulator's magic numbers.
    to: `+21367${String(i).padStart(6, "0")}5`,
  }));
  const created = await client.request(name, "POST", "/api/v1/broadcasts", {
    name: "chaos",
    message: { text: "chaos broadcast" },
    recipients,
  });
  const id = (created.json as { id?: string } | null)?.id;
  if (created.status !== 202 || !id) {
    throw new Error(`POST /broadcasts answered ${created.status}: ${JSON.stringify(created.json)}`);
  }
  const messageIds = async () =>
    (await ctx.sql<{ id: string }[]>`select id from messages where broadcast_id = ${id}`).map(
      (r) => r.id,
    );
  const ids = await messageIds();
  // Strike once about a third has gone out: sent, in flight and waiting messages all exist.
  const giveUp = Date.now() + cfg.settleMs;
  let sentAtFault = 0;
  while (Date.now() < giveUp) {
    const found = await outcomes(ctx.sql, ids).catch(() => new Map());
    sentAtFault = [...found.values()].filter(isSent).length;
    if (sentAtFault >= ids.length / 3) break;
    await sleep(100);
  }
  const owner = await ctx.stack.sessionOwner();
  if (!owner) throw new Error("no worker reports owning the session");
  await Promise.all([
    ctx.stack.services.get(owner)?.child.kill(),
    ctx.stack.redis.killAndRestartEmpty(),
  ]);
  const endedAt = new Date();
  say(`  ${sentAtFault}/${ids.length} sent: killed ${owner} and emptied Redis`);
  const found = await settle(
    ctx.sql,
    ids.map((msgId) => ({
      phase: name,
      idempotencyKey: msgId,
      accepted: true,
      attempts: 1,
      id: msgId,
    })),
    cfg.settleMs + cfg.leaseTtlMs,
  );
  await ctx.stack.respawn(owner);
  // The broadcast itself reaches `completed` once its last message is sent.
  let status = "unknown";
  const statusGiveUp = Date.now() + 30_000;
  while (Date.now() < statusGiveUp) {
    const res = await client.request(name, "GET", `/api/v1/broadcasts/${id}`);
    status = (res.json as { status?: string } | null)?.status ?? `answer ${res.status}`;
    if (status === "completed") break;
    await sleep(250);
  }
  const notSent = ids.filter((m) => !found.get(m) || !isSent(found.get(m)!));
  let last = endedAt.getTime();
  for (const o of found.values()) last = Math.max(last, o.firstSentAt?.getTime() ?? 0);
  const answers: Record<string, number> = {};
  const phaseAnswers = client.answers.slice(answeredBefore);
  for (const a of phaseAnswers) answers[String(a.status)] = (answers[String(a.status)] ?? 0) + 1;
  return {
    name,
    accepted: ids.length,
    sentOnce: ids.filter((m) => found.get(m)?.sendCount === 1 && isSent(found.get(m)!)).length,
    notSent: [
      ...notSent.map((m) => `${m} (${found.get(m)?.status ?? "no row"})`),
      ...(status === "completed" ? [] : [`the broadcast is ${status}, not completed`]),
    ],
    duplicates: await duplicateDeliveries(ctx.sql),
    answers,
    badAnswers: phaseAnswers.filter(
      (a) =>
        typeof a.status !== "number" || a.ms > HUNG_MS || (a.status >= 500 && a.status !== 503),
    ),
    recoveryMs: notSent.length === 0 ? last - endedAt.getTime() : null,
    goal: "every recipient sent exactly once and the broadcast completed (no stated time goal)",
    goalMs: null,
    metric: "last recipient sent, from the fault",
    notes: [
      `${sentAtFault} of ${ids.length} recipients sent when the fault began`,
      `killed ${owner}`,
    ],
  };
}

function violations(result: FaultResult): string[] {
  const found: string[] = [];
  if (result.accepted === 0) found.push("no send was accepted");
  if (result.notSent.length > 0) {
    found.push(
      `${result.notSent.length} accepted but not sent: ${result.notSent.slice(0, 5).join(", ")}`,
    );
  }
  if (result.duplicates.length > 0)
    found.push(`sent more than once: ${result.duplicates.join(", ")}`);
  for (const a of result.badAnswers.slice(0, 5)) {
    found.push(`answer ${a.status} after ${a.ms} ms${a.error ? ` (${a.error})` : ""}`);
  }
  if (result.badAnswers.length > 5)
    found.push(`… ${result.badAnswers.length - 5} more bad answers`);
  if (result.goalMs !== null) {
    if (result.recoveryMs === null) found.push(`never recovered (goal: ${result.goal})`);
    else if (result.recoveryMs > result.goalMs) {
      found.push(
        `recovery ${(result.recoveryMs / 1000).toFixed(1)} s misses the goal (${result.goal})`,
      );
    }
  }
  return found;
}

async function main(): Promise<number> {
  const started = Date.now();
  const root = mkdtempSync(join(tmpdir(), "wagate-chaos-"));
  const stack = new ChaosStack(root, REPO, cfg);
  let sql: postgres.Sql | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await sql?.end({ timeout: 1 }).catch(() => {});
    await stack.stopServices(5000).catch(() => {});
    stack.killEverythingNow();
    await stack.proxy?.close().catch(() => {});
    await stack.redis?.stop().catch(() => {});
    if (cfg.keep) say(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
  process.on("exit", () => {
    if (cleaned) return;
    stack.killEverythingNow();
    if (!cfg.keep) rmSync(root, { recursive: true, force: true });
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      say(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  const watchdog = setTimeout(() => {
    say(`the run exceeded CHAOS_TIMEOUT_MS (${cfg.timeoutMs} ms): giving up`);
    for (const name of stack.services.keys())
      say(`--- ${name} log tail\n${tail(join(root, `${name}.log`))}`);
    void cleanup().finally(() => process.exit(1));
  }, cfg.timeoutMs);
  watchdog.unref();

  try {
    say(`private stores under ${root}`);
    await stack.startStores();
    say(
      `postgres on 127.0.0.1:${stack.pg.port}, redis on 127.0.0.1:${stack.redis.port} (API via proxy :${stack.proxy.port})`,
    );
    await runMigrations(stack.pg.url);
    await stack.startServices();
    say("api, worker-1, worker-2, scheduler ready");
    sql = postgres(stack.pg.url, { max: 2, onnotice: () => {}, connect_timeout: 5 });

    const demo = await createDemoAccount(stack.pg.url, apiKeySecretFor(stack.jwtSecret, undefined));
    if (!demo) throw new Error("could not create the test account");
    // Room for the load and the broadcast whatever CHAOS_RATE says (the demo has 1,000 a day).
    await sql`update users set max_messages_per_day = 1000000`;
    const client = new LoadClient(stack.apiUrl, demo.rawKey);
    const init = await client.request("setup", "POST", "/api/v1/sessions/init");
    if (init.status !== 202) throw new Error(`sessions/init answered ${init.status}`);
    await waitSessionReady(client, 60_000);
    say("account, test key and simulator session ready");
    // A warm-up send proves the path before any fault.
    const warm = await client.send("warm-up");
    if (!warm.accepted || (await settle(sql, [warm], 30_000)).get(warm.id!)?.sendCount !== 1) {
      throw new Error("the warm-up send did not go out");
    }

    const results: FaultResult[] = [];
    const killed = new Set<string>();
    for (const fault of faults) {
      const before = client.answers.length;
      results.push(await runFault(fault, { stack, sql }, client, before));
      const dead = stack.deadServices(killed);
      if (dead.length > 0) {
        for (const name of dead)
          say(`--- ${name} exited unexpectedly\n${tail(join(root, `${name}.log`))}`);
        throw new Error(`services died: ${dead.join(", ")}`);
      }
    }

    if (cfg.broadcastSize > 0) {
      results.push(await runBroadcastFault({ stack, sql }, client, client.answers.length));
    }

    // Across the whole run: every accepted message, whatever phase, sent exactly once.
    const allAccepted = client.sends.filter((s) => s.accepted && s.id);
    const finalOutcomes = await settle(sql, allAccepted, cfg.settleMs);
    const overall = {
      accepted: allAccepted.length,
      sentOnce: allAccepted.filter((s) => {
        const o = finalOutcomes.get(s.id!);
        return o !== undefined && isSent(o) && o.sendCount === 1;
      }).length,
      duplicates: (await duplicateDeliveries(sql)).length,
      refused: client.sends.filter((s) => !s.accepted).length,
    };

    say("stopping the stack (SIGTERM: each service drains and exits)");
    await sql.end({ timeout: 1 });
    sql = undefined;
    const stops = await stack.stopServices(20_000);

    let failed = false;
    say("");
    say("results");
    for (const r of results) {
      const bad = violations(r);
      failed ||= bad.length > 0;
      const recovery = r.recoveryMs === null ? "—" : `${(r.recoveryMs / 1000).toFixed(1)} s`;
      say(`${bad.length === 0 ? "PASS" : "FAIL"}  ${r.name}`);
      say(
        `      accepted ${r.accepted}, sent exactly once ${r.sentOnce}, not sent ${r.notSent.length}, duplicates ${r.duplicates.length}`,
      );
      say(
        `      answers ${JSON.stringify(r.answers)}; 500s ${r.badAnswers.filter((a) => typeof a.status === "number" && a.status >= 500).length}, over ${HUNG_MS / 1000} s ${r.badAnswers.filter((a) => a.ms > HUNG_MS).length}`,
      );
      say(`      recovery ${recovery} (${r.metric}); goal: ${r.goal}`);
      for (const note of r.notes) say(`      note: ${note}`);
      for (const v of bad) say(`      VIOLATION: ${v}`);
    }
    const overallOk = overall.sentOnce === overall.accepted && overall.duplicates === 0;
    failed ||= !overallOk;
    say(
      `${overallOk ? "PASS" : "FAIL"}  whole run: accepted ${overall.accepted}, sent exactly once ${overall.sentOnce}, duplicates ${overall.duplicates}; never accepted (gave up after retries) ${overall.refused}`,
    );
    for (const [name, stop] of stops) {
      const line = `stop ${name}: ${stop.ms} ms${stop.killed ? " (did not exit: SIGKILLed)" : ""}`;
      say(line);
      if (stop.killed) failed = true;
    }
    say(
      `total ${((Date.now() - started) / 1000).toFixed(0)} s — ${failed ? "FAILED" : "all faults passed"}`,
    );
    return failed ? 1 : 0;
  } catch (error) {
    say(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

process.exit(await main());
