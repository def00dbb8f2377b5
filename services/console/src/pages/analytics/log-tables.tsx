import { api, ok } from "../../api/client.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { Status, when } from "../../components/status.js";

/** API request log, login history and audit log, each paged on its own. */
export function LogTables({ userId }: { userId: string }) {
  const requests = usePagedQuery(["api-logs", userId], (cursor) =>
    ok(
      api.GET("/api/v1/analytics/api-logs", {
        params: { query: { limit: 20, cursor, user_id: userId || undefined } },
      }),
    ),
  );
  const logins = usePagedQuery(["login-history"], (cursor) =>
    ok(api.GET("/api/v1/analytics/login-history", { params: { query: { limit: 20, cursor } } })),
  );
  const audit = usePagedQuery(["audit-logs"], (cursor) =>
    ok(api.GET("/api/v1/analytics/audit-logs", { params: { query: { limit: 20, cursor } } })),
  );
  return (
    <>
      <div className="card">
        <h2>API requests</h2>
        <ErrorBox error={requests.query.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Time</th>
                <th>Request</th>
                <th>Status</th>
                <th>Account</th>
                <th>Duration</th>
              </tr>
            </thead>
            <tbody>
              {requests.rows.map((r) => (
                <tr key={r.id}>
                  <td>{when(r.created_at)}</td>
                  <td>
                    {r.method} {r.route}
                  </td>
                  <td>{r.status_code}</td>
                  <td>{r.user_id ?? "—"}</td>
                  <td>{r.duration_ms} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {requests.pager}
      </div>
      <div className="card">
        <h2>Login history</h2>
        <ErrorBox error={logins.query.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Time</th>
                <th>Email</th>
                <th>Outcome</th>
                <th>IP</th>
              </tr>
            </thead>
            <tbody>
              {logins.rows.map((r) => (
                <tr key={r.id}>
                  <td>{when(r.created_at)}</td>
                  <td>{r.email}</td>
                  <td>
                    <Status value={r.success ? "succeeded" : "failed"} />{" "}
                    {r.success ? null : r.reason}
                  </td>
                  <td>{r.ip ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {logins.pager}
      </div>
      <div className="card">
        <h2>Audit log</h2>
        <ErrorBox error={audit.query.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Time</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Target</th>
              </tr>
            </thead>
            <tbody>
              {audit.rows.map((r) => (
                <tr key={r.id}>
                  <td>{when(r.created_at)}</td>
                  <td>
                    {r.actor_type} {r.actor_id ?? ""}
                  </td>
                  <td>{r.action}</td>
                  <td>
                    {r.target_type ?? ""} {r.target_id ?? ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {audit.pager}
      </div>
    </>
  );
}
