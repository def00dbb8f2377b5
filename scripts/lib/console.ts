import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The newest modification time under `path` (a file or a folder, recursively). */
function newestMtime(path: string): number {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when services/console/dist is missing or older than any of the console's sources. */
export function consoleBuildStale(root: string): boolean {
  const dir = join(root, "services", "console");
  const built = statSync(join(dir, "dist", "index.html"), { throwIfNoEntry: false });
  if (!built) return true;
  const sources = ["src", "index.html", "vite.config.ts", "package.json"].map((p) => join(dir, p));
  return Math.max(...sources.map(newestMtime)) > built.mtimeMs;
}

/**
 * Builds the web console when it is missing or stale (`npm run build -w @wagate/console`).
 * A failed build does not stop the stack: the API then answers /console with a page saying
 * how to build it.
 */
export function ensureConsoleBuilt(root: string, say: (line: string) => void): void {
  if (!consoleBuildStale(root)) return;
  say("building the web console (services/console)…");
  const result = spawnSync("npm", ["run", "build", "-w", "@wagate/console"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) say("warning: the console build failed; /console will say so");
}
