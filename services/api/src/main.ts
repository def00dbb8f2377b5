import { httpTimeouts, listen, onShutdown, runMain } from "@wagate/core";
import { runMigrations } from "@wagate/db";
import { createApp } from "./app.js";
import { createDeps } from "./deps.js";
import { parseApiEnv } from "./env.js";
import { drainRequests } from "./middleware/deadline.js";
import { startBackground } from "./startup.js";

await runMain("api", async () => {
  const env = parseApiEnv();
  const { deps, close } = createDeps(env);
  await runMigrations(env.DATABASE_URL);
  const background = await startBackground(deps);
  const app = createApp(deps);
  const server = await listen(app, env.PORT, httpTimeouts(env));
  deps.logger.info({ port: env.PORT }, "api listening");
  onShutdown(deps.logger, env.SHUTDOWN_TIMEOUT_MS, [
    { name: "http", run: () => drainRequests(deps, server) },
    { name: "background", run: () => background.stop() },
    { name: "connections", run: close },
  ]);
});
