import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { consoleBuildStale } from "./console.js";

const root = mkdtempSync(join(tmpdir(), "console-stale-"));
const dir = join(root, "services", "console");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const touch = (path: string, secondsAgo: number) => {
  const at = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, at, at);
};

describe("consoleBuildStale", () => {
  it("is stale without a build, fresh after one, stale again when a source changes", () => {
    mkdirSync(join(dir, "src", "pages"), { recursive: true });
    writeFileSync(join(dir, "src", "pages", "page.tsx"), "x");
    touch(join(dir, "src", "pages", "page.tsx"), 100);
    expect(consoleBuildStale(root)).toBe(true);

    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "dist", "index.html"), "<html>");
    touch(join(dir, "dist", "index.html"), 50);
    expect(consoleBuildStale(root)).toBe(false);

    touch(join(dir, "src", "pages", "page.tsx"), 10);
    expect(consoleBuildStale(root)).toBe(true);
  });
});
