import { canWrite, getAuth } from "../../api/auth.js";
import { api, ok } from "../../api/client.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { Status, when } from "../../components/status.js";
import { Link } from "../../lib/router.js";
import { PairingLinkButton } from "./pairing-link-button.js";

type SessionStatus = "stopped" | "starting" | "qr" | "ready" | "disconnected" | "failed";

/** Sessions of every account (or one), with status, driver, phone, owner worker and activity. */
export function SessionTable({ userId, status }: { userId?: string; status?: SessionStatus | "" }) {
  const writer = canWrite(getAuth());
  const { query, rows, pager } = usePagedQuery(
    ["admin-sessions", userId, status],
    (cursor) =>
      ok(
        api.GET("/api/v1/admin/sessions", {
          params: {
            query: { limit: 25, cursor, user_id: userId || undefined, status: status || undefined },
          },
        }),
      ),
    { refetchInterval: 3000 },
  );
  return (
    <>
      <ErrorBox error={query.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Session</th>
              {userId ? null : <th>Account</th>}
              <th>Status</th>
              <th>Driver</th>
              <th>Phone</th>
              <th>Worker</th>
              <th>Last activity</th>
              {writer ? <th>Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                {userId ? null : (
                  <td>
                    <Link to={`/accounts/${s.user_id}`}>{s.user_name}</Link>
                  </td>
                )}
                <td>
                  <Status value={s.status} />
                  {s.last_error ? <small className="muted"> {s.last_error}</small> : null}
                </td>
                <td>
                  {s.driver} ({s.mode})
                </td>
                <td>{s.phone_number ?? "—"}</td>
                <td>{s.owner_worker_id ?? "—"}</td>
                <td>{when(s.last_active_at)}</td>
                {writer ? (
                  <td>
                    {s.status === "ready" ? null : (
                      <PairingLinkButton userId={s.user_id} session={s.name} />
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {query.isSuccess && rows.length === 0 ? <p className="muted">No sessions.</p> : null}
      {pager}
    </>
  );
}

export const SESSION_STATUSES: SessionStatus[] = [
  "stopped",
  "starting",
  "qr",
  "ready",
  "disconnected",
  "failed",
];
