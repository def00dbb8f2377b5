/**
 * The web console's weight and speed.
 *
 * 1. JS + CSS the browser downloads on a first load of /console (every script, stylesheet
 *    and modulepreload that index.html names), gzipped, against the 250 KB budget.
 * 2. Time from navigation to the admin overview being interactive (its data shown: the
 *    "Messages today" tile and the "Accounts" link usable), against the same browser loading
 *    a static "hello" page from the same API server. HTTP cache disabled, so each load
 *    fetches everything, as a first visit does; medians of ROUNDS alternated loads.
 *
 * Needs a built console (built here when missing or stale) and /usr/bin/chromium for (2).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { createApp, createDeps, parseApiEnv, startBackground } from "@wagate/api";
import {
  buildConsoleIfStale,
  CHROMIUM,
  launchChromium,
} from "../../services/console/test/browser.js";
import { type Benchmark, median, result, startServer } from "../lib.js";

const DIST = fileURLToPath(new URL("../../services/console/dist/", import.meta.url));
const BUDGET_KB = 250;
const ROUNDS = 5;

/** Gzipped bytes of every JS and CSS file index.html makes the browser fetch at once. */
export function firstLoadGzipBytes(dist = DIST): { bytes: number; files: string[] } {
  const html = readFileSync(`${dist}index.html`, "utf8");
  const files = [...html.matchAll(/(?:src|href)="\/console\/([^"]+\.(?:js|css))"/g)].map(
    (m) => m[1] as string,
  );
  const bytes = files.reduce(
    (sum, file) => sum + gzipSync(readFileSync(`${dist}${file}`)).length,
    0,
  );
  return { bytes, files };
}

export const benchmark: Benchmark = {
  name: "console",
  description:
    "console first-load JS+CSS gzipped vs 250 KB; overview time-to-interactive vs a static hello page",
  run: async (ctx) => {
    buildConsoleIfStale();
    const { bytes, files } = firstLoadGzipBytes();
    ctx.log(`first load: ${files.join(", ")} = ${bytes} bytes gzipped`);
    const results = [result("console.first_load_gzip", bytes / 1024, "KB", BUDGET_KB)];
    if (!existsSync(CHROMIUM)) {
      ctx.log(`${CHROMIUM} is absent: time to interactive not measured`);
      return results;
    }

    const password = randomBytes(12).toString("hex");
    const env = parseApiEnv({
      NODE_ENV: "test",
      DATABASE_URL: await ctx.createDatabase(),
      REDIS_URL: ctx.redisUrl,
      REDIS_PREFIX: ctx.redisPrefix(),
      LOG_LEVEL: "silent",
      JWT_SECRET: randomBytes(32).toString("hex"),
      ADMIN_EMAIL: "bench-owner@example.test",
      ADMIN_PASSWORD: password,
    });
    const { deps, close } = createDeps(env);
    const background = await startBackground(deps);
    const app = createApp(deps);
    app.get("/bench/hello", (c) => c.html("<!doctype html><title>hello</title><h1>hello</h1>"));
    const server = await startServer(app);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
      // Sign in once: the tokens stay in this tab's session storage across navigations.
      await page.goto(`${server.url}/console/`);
      await page.getByLabel("Email").fill(env.ADMIN_EMAIL ?? "");
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor({ timeout: 60_000 });

      const load = async (url: string, ready: () => Promise<void>) => {
        await page.goto("about:blank");
        const started = performance.now();
        await page.goto(url, { waitUntil: "commit" });
        await ready();
        return performance.now() - started;
      };
      const overview: number[] = [];
      const hello: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        hello.push(
          await load(`${server.url}/bench/hello`, () =>
            page.getByRole("heading", { name: "hello" }).waitFor({ timeout: 60_000 }),
          ),
        );
        overview.push(
          await load(`${server.url}/console/overview`, async () => {
            await page
              .getByRole("heading", { name: /^Messages today/ })
              .waitFor({ timeout: 60_000 });
            await page.getByRole("link", { name: "Accounts", exact: true }).click({ trial: true });
          }),
        );
      }
      ctx.log(
        `overview ms: ${overview.map((v) => v.toFixed(0)).join(" ")}; hello ms: ${hello.map((v) => v.toFixed(0)).join(" ")}`,
      );
      results.push(result("console.overview_interactive", median(overview), "ms", median(hello)));
      return results;
    } finally {
      await browser.close();
      await server.close();
      await background.stop();
      await close();
    }
  },
};
