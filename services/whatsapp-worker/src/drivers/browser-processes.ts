import { readdirSync, readFileSync } from "node:fs";

/**
 * Chromium processes found through /proc by their profile directory (whatsapp-web.js gives
 * every session its own `--user-data-dir`, and Chromium passes it on to its helpers), so a
 * browser is found even when the library lost track of it: a launch still in progress, a
 * crashed browser whose helpers were orphaned. Linux only; elsewhere nothing is found.
 */
interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
}

function readStat(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid, state: rest[0]!, ppid: Number(rest[1]), pgid: Number(rest[2]) };
  } catch {
    return null;
  }
}

function listPids(): number[] {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
};

/**
 * Live (not zombie) processes of the browser using `profileDir`: those naming it on their
 * command line, their process groups and their descendants.
 */
export function browserProcesses(profileDir: string): number[] {
  const all = listPids()
    .map(readStat)
    .filter((p): p is ProcInfo => p !== null && p.state !== "Z");
  const ownGroup = readStat(process.pid)?.pgid;
  const found = new Set<number>();
  const groups = new Set<number>();
  for (const p of all) {
    if (p.pid !== process.pid && cmdline(p.pid).includes(profileDir)) {
      found.add(p.pid);
      // Puppeteer starts the browser as the leader of its own group; never take ours.
      if (p.pgid === p.pid && p.pgid !== ownGroup) groups.add(p.pgid);
    }
  }
  if (found.size === 0) return [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (found.has(p.pid) || p.pid === process.pid) continue;
      if (found.has(p.ppid) || groups.has(p.pgid)) {
        found.add(p.pid);
        grew = true;
      }
    }
  }
  return [...found];
}

/** Resident memory of those processes, in bytes (from `VmRSS`). */
export function browserMemoryBytes(profileDir: string): number {
  let total = 0;
  for (const pid of browserProcesses(profileDir)) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (match) total += Number(match[1]) * 1024;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/** SIGKILLs every process of the browser using `profileDir`; returns how many were found. */
export function reapBrowser(profileDir: string): number {
  const pids = browserProcesses(profileDir);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  return pids.length;
}
