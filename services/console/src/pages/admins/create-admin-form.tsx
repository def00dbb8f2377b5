import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { AdminRole } from "../../api/auth.js";
import { api, ok } from "../../api/client.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";

/** Creates an admin with a role and a first password. */
export function CreateAdminForm() {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<AdminRole>("viewer");
  const create = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/admins", { body: { email, password, role } })),
    onSuccess: () => {
      setEmail("");
      setPassword("");
      void queryClient.invalidateQueries({ queryKey: ["admins"] });
    },
  });
  return (
    <details className="card">
      <summary>New admin</summary>
      <form
        aria-label="New admin"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <div className="grid">
          <Field label="Email">
            {(id) => (
              <input
                id={id}
                type="email"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </Field>
          <Field label="Password" hint="At least 10 characters">
            {(id) => (
              <input
                id={id}
                type="password"
                autoComplete="new-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <Field label="Role">
            {(id) => (
              <select id={id} value={role} onChange={(e) => setRole(e.target.value as AdminRole)}>
                <option>viewer</option>
                <option>admin</option>
                <option>owner</option>
              </select>
            )}
          </Field>
        </div>
        <ErrorBox error={create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create admin
        </button>
      </form>
    </details>
  );
}
