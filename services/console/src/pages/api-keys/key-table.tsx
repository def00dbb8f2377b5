import { useMutation, useQueryClient } from "@tanstack/react-query";
import { canWrite, getAuth } from "../../api/auth.js";
import { api, ok } from "../../api/client.js";
import { ConfirmButton } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { Status, when } from "../../components/status.js";
import { Link } from "../../lib/router.js";

/** Keys (of one account, or all), a page at a time, each revocable after a confirmation. */
export function KeyTable({ userId }: { userId?: string }) {
  const queryClient = useQueryClient();
  const writer = canWrite(getAuth());
  const { query, rows, pager } = usePagedQuery(["api-keys", userId], (cursor) =>
    ok(api.GET("/api/v1/api-keys", { params: { query: { limit: 25, cursor, user_id: userId } } })),
  );
  const revoke = useMutation({
    mutationFn: (id: string) =>
      ok(api.DELETE("/api/v1/api-keys/{id}", { params: { path: { id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  return (
    <>
      <ErrorBox error={query.error ?? revoke.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              {userId ? null : <th>Account</th>}
              <th>Mode</th>
              <th>State</th>
              <th>Last used</th>
              <th>Expires</th>
              {writer ? <th>Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}</code>
                </td>
                {userId ? null : (
                  <td>
                    <Link to={`/accounts/${key.user_id}`}>{key.user_id}</Link>
                  </td>
                )}
                <td>{key.mode}</td>
                <td>
                  <Status
                    value={key.revoked_at ? "revoked" : key.is_active ? "active" : "inactive"}
                  />
                </td>
                <td>{when(key.last_used_at)}</td>
                <td>{when(key.expires_at)}</td>
                {writer ? (
                  <td>
                    {key.revoked_at ? null : (
                      <ConfirmButton label="Revoke" onConfirm={() => revoke.mutate(key.id)} />
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {query.isSuccess && rows.length === 0 ? <p className="muted">No keys yet.</p> : null}
      {pager}
    </>
  );
}
