import type { AppDeps } from "./lib/context.js";

export interface Background {
  stop: () => Promise<void>;
}

/**
 * Work the API process runs beside HTTP: first-admin bootstrap, the api_logs batch writer,
 * cache invalidation subscribers. Each piece registers here and is stopped on shutdown
 * after the HTTP server has drained (so buffered logs of the last requests are flushed).
 */
export async function startBackground(_deps: AppDeps): Promise<Background> {
  const stops: Array<() => Promise<void>> = [];
  return {
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
