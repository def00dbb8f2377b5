import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ok } from "../../api/client.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { Status, when } from "../../components/status.js";

/** A webhook's deliveries: response codes, attempts, and a retry for each. */
export function Deliveries({ webhookId }: { webhookId: string }) {
  const queryClient = useQueryClient();
  const { query, rows, pager } = usePagedQuery(
    ["webhook-deliveries", webhookId],
    (cursor) =>
      ok(
        api.GET("/api/v1/webhooks/{id}/deliveries", {
          params: { path: { id: webhookId }, query: { limit: 20, cursor } },
        }),
      ),
    { refetchInterval: 3000 },
  );
  const retry = useMutation({
    mutationFn: (deliveryId: string) =>
      ok(
        api.POST("/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry", {
          params: { path: { id: webhookId, delivery_id: deliveryId } },
        }),
      ),
    onSuccess: () =>
      void queryClient.invalidateQueries({ queryKey: ["webhook-deliveries", webhookId] }),
  });
  return (
    <>
      <ErrorBox error={query.error ?? retry.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Event</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last response</th>
              <th>Created</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td>{d.event_type}</td>
                <td>
                  <Status value={d.status} />
                </td>
                <td>{d.attempts}</td>
                <td>{d.last_status_code ?? d.last_error ?? "—"}</td>
                <td>{when(d.created_at)}</td>
                <td>
                  <button type="button" onClick={() => retry.mutate(d.id)}>
                    Retry
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {query.isSuccess && rows.length === 0 ? <p className="muted">No deliveries yet.</p> : null}
      {pager}
    </>
  );
}
