/**
 * `npm run bench [-- name ...]`: runs the benchmarks in bench/benchmarks (all, or the ones
 * named), prints a table and writes bench/results.json as [{name, value, unit, baseline,
 * ratio}]. Uses DATABASE_URL / REDIS_URL (default: the local Postgres and Redis).
 */
import { readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Benchmark, createContext, envInt, type Result } from "./lib.js";

const DIR = fileURLToPath(new URL("./benchmarks/", import.meta.url));
const RESULTS = fileURLToPath(new URL("./results.json", import.meta.url));

/** Every module in bench/benchmarks exports `benchmark: Benchmark` (bench/lib.ts). */
async function loadBenchmarks(): Promise<Benchmark[]> {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .sort();
  const found: Benchmark[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(`${DIR}${file}`).href)) as {
      benchmark?: Partial<Benchmark>;
    };
    const benchmark = mod.benchmark;
    if (!benchmark || typeof benchmark.name !== "string" || typeof benchmark.run !== "function") {
      throw new Error(
        `bench/benchmarks/${file} does not export \`benchmark: Benchmark\` (see bench/lib.ts)`,
      );
    }
    found.push(benchmark as Benchmark);
  }
  return found;
}

function printTable(results: Result[]) {
  const rows = [
    ["name", "value", "unit", "baseline", "ratio"],
    ...results.map((r) => [
      r.name,
      String(r.value),
      r.unit,
      String(r.baseline),
      r.ratio.toFixed(3),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const [index, row] of rows.entries()) {
    const line = row
      .map((cell, i) => (i === 0 || i === 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ");
    process.stdout.write(`${line}\n`);
    if (index === 0) process.stdout.write(`${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  }
}

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const all = await loadBenchmarks();
  const unknown = wanted.filter((name) => !all.some((b) => b.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown benchmark(s): ${unknown.join(", ")}; have: ${all.map((b) => b.name).join(", ")}`,
    );
  }
  const chosen = wanted.length > 0 ? all.filter((b) => wanted.includes(b.name)) : all;
  const options = {
    databaseUrl: process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres",
    redisUrl: process.env.REDIS_URL || "redis://127.0.0.1:6379",
    durationSeconds: envInt("BENCH_DURATION_S", 5),
    connections: envInt("BENCH_CONNECTIONS", 50),
  };
  const results: Result[] = [];
  let failed = 0;
  for (const benchmark of chosen) {
    process.stdout.write(`> ${benchmark.name}: ${benchmark.description}\n`);
    const { ctx, cleanUp } = createContext(options);
    try {
      results.push(...(await benchmark.run(ctx)));
    } catch (error) {
      failed++;
      process.stdout.write(`  FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    } finally {
      await cleanUp();
    }
  }
  process.stdout.write("\n");
  printTable(results);
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nwrote ${RESULTS}\n`);
  process.exit(failed > 0 ? 1 : 0);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
