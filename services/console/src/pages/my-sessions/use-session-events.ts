import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { api } from "../../api/client.js";
import { readSse } from "../../api/sse.js";

/**
 * Follows a session's live stream (status and QR changes) and refreshes the cached session
 * list and QR on each event, so the page changes without reloading. Reconnects after a drop.
 */
export function useSessionEvents(session: string, enabled: boolean) {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    (async () => {
      while (!abort.signal.aborted) {
        try {
          const { response } = await api.GET("/api/v1/sessions/events", {
            params: { query: { session } },
            parseAs: "stream",
            signal: abort.signal,
          });
          if (response.ok) {
            await readSse(response.body, () => {
              void queryClient.invalidateQueries({ queryKey: ["sessions"] });
              void queryClient.invalidateQueries({ queryKey: ["qr", session] });
            });
          }
        } catch {
          // dropped or aborted: retry below unless aborted
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    })();
    return () => abort.abort();
  }, [session, enabled, queryClient]);
}
