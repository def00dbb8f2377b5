import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { consoleBuildStale } from "../../../scripts/lib/console.js";

const require = createRequire(import.meta.url);
// jsqr is CommonJS whose module object is itself the decoder.
const jsQR = require("jsqr") as typeof import("jsqr").default;

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

/** Builds the console when its dist is missing or older than its sources. */
export function buildConsoleIfStale() {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  if (!consoleBuildStale(root)) return;
  const result = spawnSync("npm", ["run", "build", "-w", "@wagate/console"], {
    cwd: root,
    encoding: "utf8",
  });
  if (result.status !== 0)
    throw new Error(`console build failed:\n${result.stdout}\n${result.stderr}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core in the page (through DevTools evaluation, not a script tag, so the page's
 * CSP stays whole) and returns the serious and critical violations, described.
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const violations = (await page.evaluate(
    `${axeSource};\naxe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)`,
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    );
}

interface DecodedPng {
  width: number;
  height: number;
  data: Buffer;
}
// pngjs ships no types; this is the one call used.
const { PNG } = require("pngjs") as { PNG: { sync: { read(png: Buffer): DecodedPng } } };

/** Screenshots a visible element and decodes it as a QR code; null when it is not one. */
export async function decodeQrImage(img: Locator): Promise<string | null> {
  const png = PNG.sync.read(await img.screenshot({ timeout: 5000 }));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}
