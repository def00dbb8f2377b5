import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { canWrite, getAuth } from "../../api/auth.js";
import { api, ok } from "../../api/client.js";
import { ConfirmButton, Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { Status } from "../../components/status.js";

/** The recipient policy: phone prefixes allowed or denied. No rows: every valid number is allowed. */
export function PrefixesPage() {
  const queryClient = useQueryClient();
  const writer = canWrite(getAuth());
  const [prefix, setPrefix] = useState("");
  const [allowed, setAllowed] = useState(true);
  const { query, rows, pager } = usePagedQuery(["phone-prefixes"], (cursor) =>
    ok(api.GET("/api/v1/phone-prefixes", { params: { query: { limit: 50, cursor } } })),
  );
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["phone-prefixes"] });
  const create = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/phone-prefixes", { body: { prefix, allowed } })),
    onSuccess: () => {
      setPrefix("");
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) =>
      ok(api.DELETE("/api/v1/phone-prefixes/{id}", { params: { path: { id } } })),
    onSuccess: refresh,
  });
  return (
    <section>
      <h1>Recipient policy</h1>
      <p className="muted">
        With no rows every valid number is allowed; allow rows restrict sends to matching numbers; a
        deny row always refuses.
      </p>
      {writer ? (
        <form
          className="card inline-form"
          aria-label="New prefix"
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <Field label="Prefix" hint="e.g. +21366">
            {(id) => (
              <input id={id} required value={prefix} onChange={(e) => setPrefix(e.target.value)} />
            )}
          </Field>
          <Field label="Rule">
            {(id) => (
              <select
                id={id}
                value={allowed ? "allow" : "deny"}
                onChange={(e) => setAllowed(e.target.value === "allow")}
              >
                <option value="allow">allow</option>
                <option value="deny">deny</option>
              </select>
            )}
          </Field>
          <button type="submit" className="primary">
            Add prefix
          </button>
        </form>
      ) : null}
      <ErrorBox error={query.error ?? create.error ?? remove.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Prefix</th>
              <th>Rule</th>
              <th>Country</th>
              <th>Carrier</th>
              {writer ? <th>Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <td>{row.prefix}</td>
                <td>
                  <Status value={row.allowed ? "allow" : "deny"} />
                </td>
                <td>{row.country ?? "—"}</td>
                <td>{row.carrier ?? "—"}</td>
                {writer ? (
                  <td>
                    <ConfirmButton label="Delete" onConfirm={() => remove.mutate(row.id)} />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pager}
    </section>
  );
}
