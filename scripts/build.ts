/**
 * `npm run build` (through turbo, one service per workspace) or `tsx scripts/build.ts
 * [api|whatsapp-worker|scheduler ...]`: compiles services to `services/<dir>/dist/`.
 */
import { buildService, SERVICE_DIRS, type ServiceDir } from "./lib/build.js";

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !SERVICE_DIRS.includes(name as ServiceDir));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown service(s): ${unknown.join(", ")}; have: ${SERVICE_DIRS.join(", ")}\n`,
  );
  process.exit(2);
}
for (const service of wanted.length > 0 ? (wanted as ServiceDir[]) : SERVICE_DIRS) {
  const started = performance.now();
  await buildService(service);
  process.stdout.write(
    `built services/${service}/dist in ${Math.round(performance.now() - started)} ms\n`,
  );
}
