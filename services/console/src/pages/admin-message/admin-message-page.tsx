import { useQuery } from "@tanstack/react-query";
import { api, ok } from "../../api/client.js";
import { ErrorBox } from "../../components/error-box.js";
import { Status, when } from "../../components/status.js";
import { Link } from "../../lib/router.js";
import { MessageError } from "../message/message-page.js";
import { Timeline } from "../message/timeline.js";

/** One message seen by an admin: timeline, why it failed and what to do, webhook deliveries. */
export function AdminMessagePage({ id }: { id: string }) {
  const message = useQuery({
    queryKey: ["admin-messages", id],
    queryFn: () => ok(api.GET("/api/v1/admin/messages/{id}", { params: { path: { id } } })),
    refetchInterval: (q) =>
      ["read", "failed", "cancelled", "received"].includes(q.state.data?.status ?? "")
        ? false
        : 2000,
  });
  if (message.error) return <ErrorBox error={message.error} />;
  if (!message.data) return <p aria-busy="true">Loading…</p>;
  const m = message.data;
  return (
    <section>
      <h1>Message {m.id}</h1>
      <p>
        <Status value={m.status} /> · account <Link to={`/accounts/${m.user_id}`}>{m.user_id}</Link>{" "}
        · {m.direction === "outbound" ? `to ${m.to}` : `from ${m.from}`} · session{" "}
        {m.session ?? "—"} · {m.mode}
      </p>
      {m.text ? <blockquote>{m.text}</blockquote> : null}
      <MessageError error={m.error} />
      <h2>Timeline</h2>
      <Timeline steps={m.timeline} />
      <h2>Webhook deliveries</h2>
      {m.webhook_deliveries.length === 0 ? (
        <p className="muted">No webhook announced this message.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Event</th>
                <th>Status</th>
                <th>Attempts</th>
                <th>Last response</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {m.webhook_deliveries.map((d) => (
                <tr key={d.id}>
                  <td>{d.event_type}</td>
                  <td>
                    <Status value={d.status} />
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.last_status_code ?? "—"}</td>
                  <td>{when(d.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
