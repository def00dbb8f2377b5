import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, ok } from "../../api/client.js";
import { ApiFailure } from "../../api/errors.js";
import type { Schema } from "../../api/types.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { Link } from "../../lib/router.js";
import { parseCsvPreview, renderTemplate } from "./preview.js";
import { RefusedRows } from "./refused-rows.js";

const PREVIEW_ROWS = 5;

/**
 * "New broadcast": one text to many recipients given as CSV (pasted or a file). The preview
 * renders the first rows here; the API screens every row and answers the refused ones.
 */
export function NewBroadcastForm() {
  const queryClient = useQueryClient();
  const [session, setSession] = useState("default");
  const [name, setName] = useState("");
  const [text, setText] = useState("");
  const [csv, setCsv] = useState("");
  const [rate, setRate] = useState("");
  const [sendAt, setSendAt] = useState("");
  const preview = useMemo(() => parseCsvPreview(csv, PREVIEW_ROWS), [csv]);
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/api/v1/broadcasts", {
          body: {
            session,
            name,
            message: { text },
            csv,
            rate: rate ? Number(rate) : undefined,
            send_at: sendAt ? new Date(sendAt).toISOString() : undefined,
          },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["broadcasts"] }),
  });
  return (
    <details className="card" open>
      <summary>New broadcast</summary>
      <form
        aria-label="New broadcast"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <div className="grid">
          <Field label="Broadcast name">
            {(id) => (
              <input id={id} required value={name} onChange={(e) => setName(e.target.value)} />
            )}
          </Field>
          <Field label="Session name">
            {(id) => (
              <input
                id={id}
                required
                value={session}
                onChange={(e) => setSession(e.target.value)}
              />
            )}
          </Field>
        </div>
        <Field label="Message text" hint="{{name}} is replaced by the recipient's “name” column">
          {(id) => (
            <textarea
              id={id}
              required
              rows={3}
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Recipients (CSV)"
          hint="Header row with a “to” column (international numbers); other columns are variables"
        >
          {(id) => (
            <textarea
              id={id}
              required
              rows={5}
              value={csv}
              placeholder={"to,name\n+213661234567,Amina"}
              onChange={(e) => setCsv(e.target.value)}
            />
          )}
        </Field>
        <Field label="Or upload a CSV file">
          {(id) => (
            <input
              id={id}
              type="file"
              accept=".csv,text/csv,text/plain"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                if (file) setCsv(await file.text());
              }}
            />
          )}
        </Field>
        <div className="grid">
          <Field label="Rate (sends per minute)" hint="Optional; can only slow the session's pace">
            {(id) => (
              <input
                id={id}
                type="number"
                min={1}
                max={6000}
                value={rate}
                onChange={(e) => setRate(e.target.value)}
              />
            )}
          </Field>
          <Field label="Send at" hint="Optional; empty sends now">
            {(id) => (
              <input
                id={id}
                type="datetime-local"
                value={sendAt}
                onChange={(e) => setSendAt(e.target.value)}
              />
            )}
          </Field>
        </div>
        {csv ? (
          <section aria-label="Preview">
            <h3>Preview (first {PREVIEW_ROWS} rows)</h3>
            {preview.error ? (
              <p role="alert">{preview.error}</p>
            ) : (
              <ol className="preview">
                {preview.rows.map((r) => (
                  <li key={r.row}>
                    <strong>{r.to || "(no number)"}</strong>: {renderTemplate(text, r.variables)}
                  </li>
                ))}
              </ol>
            )}
          </section>
        ) : null}
        <ErrorBox error={create.error} />
        <RefusedRows rows={refusedIn(create.error)} />
        <div className="actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            Start broadcast
          </button>
        </div>
      </form>
      {create.data ? (
        <div role="status" aria-label="Broadcast accepted">
          <p>
            Accepted <Link to={`/my/broadcasts/${create.data.id}`}>{create.data.name}</Link>:{" "}
            {create.data.recipients.accepted} of {create.data.recipients.total} recipients,{" "}
            {create.data.recipients.refused} refused.
          </p>
          <RefusedRows rows={create.data.refused} />
        </div>
      ) : null}
    </details>
  );
}

/** A 422 "no row can be sent" lists the refused rows (first 100) in its details. */
const refusedIn = (error: unknown): Schema<"BroadcastRefusal">[] =>
  error instanceof ApiFailure && Array.isArray(error.details?.refused)
    ? (error.details.refused as Schema<"BroadcastRefusal">[])
    : [];
