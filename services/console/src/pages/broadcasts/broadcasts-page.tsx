import { api, ok } from "../../api/client.js";
import type { Schema } from "../../api/types.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { Status, when } from "../../components/status.js";
import { Link } from "../../lib/router.js";
import { NewBroadcastForm } from "./new-broadcast-form.js";

export const finished = (b: Schema<"Broadcast">) =>
  b.counts.sent + b.counts.delivered + b.counts.read + b.counts.failed + b.counts.cancelled;

/** The business's broadcasts with their progress, and the form that starts one. */
export function BroadcastsPage() {
  const { query, rows, pager } = usePagedQuery(
    ["broadcasts"],
    (cursor) => ok(api.GET("/api/v1/broadcasts", { params: { query: { limit: 25, cursor } } })),
    { refetchInterval: 3000 },
  );
  return (
    <section>
      <h1>Broadcasts</h1>
      <NewBroadcastForm />
      <ErrorBox error={query.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Progress</th>
              <th>Sent / accepted</th>
              <th>Failed</th>
              <th>Refused</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((b) => (
              <tr key={b.id}>
                <td>
                  <Link to={`/my/broadcasts/${b.id}`}>{b.name}</Link>
                </td>
                <td>
                  <Status value={b.status} />
                </td>
                <td>
                  <meter min={0} max={1} value={b.progress} aria-label={`Progress of ${b.name}`} />
                </td>
                <td>
                  {finished(b) - b.counts.failed - b.counts.cancelled} / {b.recipients.accepted}
                </td>
                <td>{b.counts.failed}</td>
                <td>{b.recipients.refused}</td>
                <td>{when(b.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {query.isSuccess && rows.length === 0 ? <p className="muted">No broadcast yet.</p> : null}
      {pager}
    </section>
  );
}
