import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { newId } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresAuthStore } from "../src/drivers/remote-auth-store.js";
import { WebjsDriver } from "../src/drivers/webjs.js";
import { waitFor } from "./helpers.js";

/**
 * The real launch path: whatsapp-web.js starts /usr/bin/chromium; WhatsApp is unreachable
 * here, so `initialize()` fails at navigation, which is fine for counting processes. Counted
 * from outside with `ps`, by the session's own profile directory.
 */
const env = useTestEnv();
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Live Chromium processes (not zombies) whose command line names `dir`. */
function chromiumProcesses(dir: string): Array<{ pid: number; args: string }> {
  const out = execFileSync("ps", ["-eo", "pid=,stat=,args="], { maxBuffer: 16 * 1024 * 1024 });
  return out
    .toString()
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .filter((m) => !m[2]!.startsWith("Z") && m[3]!.includes("chromium") && m[3]!.includes(dir))
    .map((m) => ({ pid: Number(m[1]), args: m[3]! }));
}

async function launch() {
  const dataPath = await mkdtemp(path.join(tmpdir(), "wagate-chromium-"));
  dirs.push(dataPath);
  const driver = new WebjsDriver({
    sessionId: newId("session"),
    mode: "live",
    store: new PostgresAuthStore(env.db.db, dataPath),
    dataPath,
    executablePath: "/usr/bin/chromium",
  });
  const started = driver.start().then(
    () => null,
    (error: unknown) => error,
  );
  await waitFor(async () => chromiumProcesses(dataPath).length > 0, {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: "chromium running",
  });
  return { driver, dataPath, started };
}

describe("Chromium of a webjs session", () => {
  it("leaves no browser process after stop, even while it is still launching", async () => {
    const { driver, dataPath, started } = await launch();
    // The first process seen may not be readable yet (on a busy machine it failed at once):
    // wait until the browser's memory can be read.
    await waitFor(async () => (await driver.browserMemoryBytes()) > 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: "browser memory readable",
    });
    await driver.stop();
    await started;
    await waitFor(async () => chromiumProcesses(dataPath).length === 0, {
      timeoutMs: 20_000,
      what: "no chromium left after stop",
    });
    // The launch was in flight when stop came: nothing comes back once it settles.
    await new Promise((r) => setTimeout(r, 2000));
    expect(chromiumProcesses(dataPath)).toEqual([]);
    expect(await driver.browserMemoryBytes()).toBe(0);
  }, 120_000);

  it("leaves no browser process after the browser crashes", async () => {
    const { driver, dataPath, started } = await launch();
    // Wait for the browser's helpers, then kill the browser itself, as a crash would.
    await waitFor(async () => chromiumProcesses(dataPath).length > 1, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: "chromium helpers",
    });
    const main = chromiumProcesses(dataPath).find((p) => !p.args.includes("--type="));
    expect(main).toBeDefined();
    process.kill(main!.pid, "SIGKILL");
    // The launch failed with the browser gone: an Error, or (when the page socket dies first,
    // as on a loaded machine) the WebSocket's ErrorEvent.
    expect(await started).toBeTruthy();
    await waitFor(async () => chromiumProcesses(dataPath).length === 0, {
      timeoutMs: 20_000,
      what: "no chromium left after the crash",
    });
    await driver.stop();
    expect(chromiumProcesses(dataPath)).toEqual([]);
  }, 120_000);
});
