import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import type { Schema } from "../../api/types.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";

/** Edits an account's name, daily quota and session limit. */
export function EditAccountForm({ account }: { account: Schema<"User"> }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(account.name);
  const [quota, setQuota] = useState(String(account.max_messages_per_day));
  const [maxSessions, setMaxSessions] = useState(String(account.max_sessions));
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PATCH("/api/v1/users/{id}", {
          params: { path: { id: account.id } },
          body: { name, max_messages_per_day: Number(quota), max_sessions: Number(maxSessions) },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
  return (
    <details className="card">
      <summary>Edit account</summary>
      <form
        aria-label="Edit account"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <div className="grid">
          <Field label="Name">
            {(id) => (
              <input id={id} required value={name} onChange={(e) => setName(e.target.value)} />
            )}
          </Field>
          <Field label="Daily quota">
            {(id) => (
              <input
                id={id}
                type="number"
                min={0}
                value={quota}
                onChange={(e) => setQuota(e.target.value)}
              />
            )}
          </Field>
          <Field label="Max sessions">
            {(id) => (
              <input
                id={id}
                type="number"
                min={0}
                value={maxSessions}
                onChange={(e) => setMaxSessions(e.target.value)}
              />
            )}
          </Field>
        </div>
        <ErrorBox error={save.error} />
        <button type="submit" className="primary" disabled={save.isPending}>
          Save
        </button>
        {save.isSuccess ? <span role="status"> Saved.</span> : null}
      </form>
    </details>
  );
}
