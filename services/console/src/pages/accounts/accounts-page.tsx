import { useState } from "react";
import { canWrite, getAuth } from "../../api/auth.js";
import { api, ok } from "../../api/client.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { Status, when } from "../../components/status.js";
import { Link } from "../../lib/router.js";
import { CreateAccountForm } from "./create-account-form.js";

/** Every account, searchable and filterable, a page at a time; owners and admins create here. */
export function AccountsPage() {
  const [search, setSearch] = useState("");
  const [active, setActive] = useState<"" | "true" | "false">("");
  const { query, rows, pager } = usePagedQuery(["users", search, active], (cursor) =>
    ok(
      api.GET("/api/v1/users", {
        params: {
          query: { limit: 25, cursor, search: search || undefined, is_active: active || undefined },
        },
      }),
    ),
  );
  return (
    <section>
      <h1>Accounts</h1>
      {canWrite(getAuth()) ? <CreateAccountForm /> : null}
      <div className="filters">
        <label>
          Search
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label>
          State
          <select value={active} onChange={(e) => setActive(e.target.value as typeof active)}>
            <option value="">all</option>
            <option value="true">active</option>
            <option value="false">inactive</option>
          </select>
        </label>
      </div>
      <ErrorBox error={query.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>State</th>
              <th>Daily quota</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((user) => (
              <tr key={user.id}>
                <td>
                  <Link to={`/accounts/${user.id}`}>{user.name}</Link>
                </td>
                <td>{user.email}</td>
                <td>
                  <Status value={user.is_active ? "active" : "inactive"} />
                </td>
                <td>{user.max_messages_per_day}</td>
                <td>{when(user.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {query.isSuccess && rows.length === 0 ? <p className="muted">No accounts match.</p> : null}
      {pager}
    </section>
  );
}
