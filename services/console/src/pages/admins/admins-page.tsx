import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type AdminRole, canWrite, getAuth } from "../../api/auth.js";
import { api, ok } from "../../api/client.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { Status, when } from "../../components/status.js";
import { CreateAdminForm } from "./create-admin-form.js";

const ROLES: AdminRole[] = ["owner", "admin", "viewer"];

/** Admins: list; owners and admins create, change roles and unlock. */
export function AdminsPage() {
  const queryClient = useQueryClient();
  const writer = canWrite(getAuth());
  const { query, rows, pager } = usePagedQuery(["admins"], (cursor) =>
    ok(api.GET("/api/v1/admins", { params: { query: { limit: 25, cursor } } })),
  );
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["admins"] });
  const setRole = useMutation({
    mutationFn: ({ id, role }: { id: string; role: AdminRole }) =>
      ok(api.PATCH("/api/v1/admins/{id}", { params: { path: { id } }, body: { role } })),
    onSuccess: refresh,
  });
  const unlock = useMutation({
    mutationFn: (id: string) =>
      ok(api.POST("/api/v1/admins/{id}/unlock", { params: { path: { id } } })),
    onSuccess: refresh,
  });
  return (
    <section>
      <h1>Admins</h1>
      {writer ? <CreateAdminForm /> : null}
      <ErrorBox error={query.error ?? setRole.error ?? unlock.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>State</th>
              <th>Last sign-in</th>
              {writer ? <th>Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((admin) => {
              const locked = admin.locked_until && new Date(admin.locked_until) > new Date();
              return (
                <tr key={admin.id}>
                  <td>{admin.email}</td>
                  <td>
                    {writer ? (
                      <select
                        aria-label={`Role of ${admin.email}`}
                        value={admin.role}
                        onChange={(e) =>
                          setRole.mutate({ id: admin.id, role: e.target.value as AdminRole })
                        }
                      >
                        {ROLES.map((r) => (
                          <option key={r}>{r}</option>
                        ))}
                      </select>
                    ) : (
                      admin.role
                    )}
                  </td>
                  <td>
                    <Status value={locked ? "locked" : admin.is_active ? "active" : "inactive"} />
                  </td>
                  <td>{when(admin.last_login_at)}</td>
                  {writer ? (
                    <td>
                      {locked ? (
                        <button type="button" onClick={() => unlock.mutate(admin.id)}>
                          Unlock
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {pager}
    </section>
  );
}
