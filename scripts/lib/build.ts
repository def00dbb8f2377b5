/**
 * Compiles each service to JavaScript so it runs with plain `node` (Docker images, `npm
 * start`): one esbuild bundle per entry point in `services/<dir>/dist/`, the @wagate/*
 * workspace packages inlined, every npm dependency left external (resolved from
 * node_modules at run time, native modules and all). Development and tests keep running the
 * TypeScript through tsx.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Entry points per service directory: output name (in dist/, `.js` added) → source. */
export const SERVICE_ENTRIES = {
  api: { main: "src/main.ts", admin: "src/cli/admin.ts" },
  "whatsapp-worker": { main: "src/main.ts" },
  scheduler: { main: "src/main.ts", cli: "src/cli.ts" },
} as const;

export type ServiceDir = keyof typeof SERVICE_ENTRIES;
export const SERVICE_DIRS = Object.keys(SERVICE_ENTRIES) as ServiceDir[];

export const distDir = (service: ServiceDir) => join(ROOT, "services", service, "dist");
export const distEntry = (service: ServiceDir, name = "main") =>
  join(distDir(service), `${name}.js`);

/** npm packages stay external; `@wagate/*` (workspace TypeScript) is bundled. */
const externalNpmPackages: Plugin = {
  name: "external-npm-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@wagate/")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const URL_FROM_MODULE = /new URL\((["'])(\.{1,2}\/[^"']*)\1,\s*import\.meta\.url\)/g;

/**
 * `new URL("../drizzle", import.meta.url)` means "beside this source file"; inside a bundle
 * `import.meta.url` is the bundle's. Rewrites each such path to the same target seen from
 * the output directory (the repository layout is the same in the Docker images).
 */
function sourceRelativeUrls(outdir: string): Plugin {
  return {
    name: "source-relative-urls",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes("/node_modules/")) return undefined;
        const source = await readFile(args.path, "utf8");
        if (!source.includes("import.meta.url")) return { contents: source, loader: "ts" };
        const contents = source.replace(URL_FROM_MODULE, (_match, quote: string, path: string) => {
          const target = resolve(dirname(args.path), path);
          let fromOut = relative(outdir, target) || ".";
          if (!fromOut.startsWith(".")) fromOut = `./${fromOut}`;
          if (path.endsWith("/") && !fromOut.endsWith("/")) fromOut += "/";
          return `new URL(${quote}${fromOut}${quote}, import.meta.url)`;
        });
        return { contents, loader: "ts" };
      });
    },
  };
}

/** Bundles one service's entry points into its dist/. */
export async function buildService(service: ServiceDir): Promise<void> {
  const dir = join(ROOT, "services", service);
  const outdir = distDir(service);
  await build({
    absWorkingDir: dir,
    entryPoints: Object.fromEntries(
      Object.entries(SERVICE_ENTRIES[service]).map(([name, source]) => [name, join(dir, source)]),
    ),
    outdir,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
    plugins: [externalNpmPackages, sourceRelativeUrls(outdir)],
  });
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry === "dist" || entry === "test") continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/**
 * True when a service's dist/ is missing or older than anything it is built from: its own
 * sources, the workspace packages it inlines, the lock file and this build script.
 */
export function isStale(service: ServiceDir): boolean {
  const outputs = Object.keys(SERVICE_ENTRIES[service]).map((name) => distEntry(service, name));
  if (!outputs.every((file) => existsSync(file))) return true;
  const builtAt = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  const inputs = [
    join(ROOT, "services", service, "src"),
    join(ROOT, "services", service, "package.json"),
    join(ROOT, "packages"),
    join(ROOT, "package-lock.json"),
    fileURLToPath(import.meta.url),
  ];
  return inputs.some((input) => existsSync(input) && newestMtime(input) > builtAt);
}
