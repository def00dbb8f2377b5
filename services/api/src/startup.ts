import { bootstrapFromEnv } from "./domain/admins/bootstrap.js";
import { startApiKeyInvalidation } from "./domain/api-keys/cache.js";
import { startKeyUsageFlusher } from "./domain/api-keys/verify.js";
import type { AppDeps } from "./lib/context.js";
import { startApiLogWriter } from "./middleware/request-log.js";

export interface Background {
  stop: () => Promise<void>;
}

/**
 * Work the API process runs beside HTTP: first-admin bootstrap, the api_logs batch writer,
 * cache invalidation subscribers. Each piece registers here and is stopped on shutdown
 * after the HTTP server has drained (so buffered logs of the last requests are flushed).
 */
export async function startBackground(deps: AppDeps): Promise<Background> {
  const stops: Array<() => Promise<void>> = [];
  await bootstrapFromEnv(deps);
  stops.push(await startApiKeyInvalidation(deps));
  // Stopped in reverse order: these flush last_used_at and the buffered api_logs rows.
  stops.push(startKeyUsageFlusher(deps));
  stops.push(startApiLogWriter(deps));
  return {
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
