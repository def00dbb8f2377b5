import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Nothing but the message lifecycle (packages/core/src/message-lifecycle.ts, over the
 * conditional UPDATE in message-status.ts) may change `messages.status`: this scans the
 * source of every service and package (tests excluded: fixtures may set a status) for a
 * status update written anywhere else.
 */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const LIFECYCLE = new Set([
  "packages/core/src/message-lifecycle.ts",
  "packages/core/src/message-status.ts",
]);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name === "test") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|tsx|js|mjs)$/.test(name) && !/\.test\.|\.spec\./.test(name)) out.push(path);
  }
  return out;
}

/** Where `text` updates `messages.status`: drizzle `.update(messages)…set({status…})`, raw SQL, or the primitive. */
export function statusWrites(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/\.update\(\s*messages\s*\)([\s\S]*?)\.where\(/g)) {
    if (/[{,\s]status\s*[:,}]/.test(match[1] ?? "")) found.push(match[0]);
  }
  for (const match of text.matchAll(/update\s+messages\b[^;`]*?\bset\b[^;`]*?\bstatus\s*=/gi)) {
    found.push(match[0]);
  }
  for (const match of text.matchAll(/\btransitionMessage\s*\(/g)) found.push(match[0]);
  return found;
}

describe("the message lifecycle", () => {
  it("recognises a status update written outside it", () => {
    expect(
      statusWrites("await db.update(messages).set({ status: 'failed' }).where(x)"),
    ).toHaveLength(1);
    expect(
      statusWrites("db.update(messages)\n .set({ attempts, status })\n .where(x)"),
    ).toHaveLength(1);
    expect(statusWrites("sql`update messages m set status = 'sent' where id = 1`")).toHaveLength(1);
    expect(statusWrites("await transitionMessage(db, id, 'sent')")).toHaveLength(1);
    expect(statusWrites("db.update(messages).set({ attempts: 1 }).where(x)")).toHaveLength(0);
    expect(statusWrites("update messages m set content = null where id = 1")).toHaveLength(0);
  });

  it("is the only code that updates messages.status", () => {
    const offenders: string[] = [];
    for (const top of ["services", "packages"]) {
      for (const file of sources(join(ROOT, top))) {
        const path = relative(ROOT, file);
        if (LIFECYCLE.has(path)) continue;
        for (const hit of statusWrites(readFileSync(file, "utf8"))) {
          offenders.push(`${path}: ${hit.replace(/\s+/g, " ").slice(0, 80)}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
