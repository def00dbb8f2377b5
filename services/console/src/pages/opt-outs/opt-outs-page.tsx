import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import { ConfirmButton, Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { when } from "../../components/status.js";

/** The account's opt-out list: numbers that receive nothing; add one, or take one off. */
export function OptOutsPage() {
  const queryClient = useQueryClient();
  const [phone, setPhone] = useState("");
  const [reason, setReason] = useState("");
  const { query, rows, pager } = usePagedQuery(["opt-outs"], (cursor) =>
    ok(api.GET("/api/v1/opt-outs", { params: { query: { limit: 50, cursor } } })),
  );
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["opt-outs"] });
  const add = useMutation({
    mutationFn: () =>
      ok(api.POST("/api/v1/opt-outs", { body: { phone, reason: reason || undefined } })),
    onSuccess: () => {
      setPhone("");
      setReason("");
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (number: string) =>
      ok(api.DELETE("/api/v1/opt-outs", { params: { query: { phone: number } } })),
    onSuccess: refresh,
  });
  return (
    <section>
      <h1>Opt-outs</h1>
      <p className="muted">
        Nothing is sent to these numbers: sends are refused and queued messages fail. Recipients opt
        out themselves by answering STOP, and back in with START.
      </p>
      <form
        className="card"
        aria-label="Add an opt-out"
        onSubmit={(event) => {
          event.preventDefault();
          add.mutate();
        }}
      >
        <h2>Add an opt-out</h2>
        <div className="grid">
          <Field label="Phone" hint="International number, e.g. +213661234567">
            {(id) => (
              <input
                id={id}
                type="tel"
                required
                value={phone}
                onChange={(e) => setPhone(e.target.value)}
              />
            )}
          </Field>
          <Field label="Reason">
            {(id) => <input id={id} value={reason} onChange={(e) => setReason(e.target.value)} />}
          </Field>
        </div>
        <ErrorBox error={add.error} />
        <button type="submit" className="primary" disabled={add.isPending}>
          Add opt-out
        </button>
      </form>
      <ErrorBox error={query.error ?? remove.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Phone</th>
              <th>Reason</th>
              <th>Source</th>
              <th>Since</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((o) => (
              <tr key={o.id}>
                <td>{o.phone}</td>
                <td>{o.reason ?? "—"}</td>
                <td>{o.source}</td>
                <td>{when(o.created_at)}</td>
                <td>
                  <ConfirmButton
                    label="Remove"
                    busy={remove.isPending}
                    onConfirm={() => remove.mutate(o.phone)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {query.isSuccess && rows.length === 0 ? <p className="muted">Nobody opted out.</p> : null}
      {pager}
    </section>
  );
}
