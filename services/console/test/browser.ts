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

/** Draws a visible <img> on a canvas and decodes it as a QR code; null when it is not one. */
export async function decodeQrImage(img: Locator): Promise<string | null> {
  // A string, not a function: this file is also type-checked without the DOM library.
  const pixels = (await img.evaluate(`async (image) => {
    await image.decode().catch(() => {});
    const canvas = document.createElement("canvas");
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext("2d");
    if (!context || canvas.width === 0) return null;
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height);
    return { width: data.width, height: data.height, rgba: Array.from(data.data) };
  }`)) as { width: number; height: number; rgba: number[] } | null;
  if (!pixels) return null;
  return jsQR(Uint8ClampedArray.from(pixels.rgba), pixels.width, pixels.height)?.data ?? null;
}
