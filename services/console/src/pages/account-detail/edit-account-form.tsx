import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import type { Schema } from "../../api/types.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";

type Pacing = NonNullable<Schema<"User">["pacing"]>;
type PacingKey = keyof Pacing;

/** The pacing overrides the worker reads, with their visible labels and defaults. */
const PACING_FIELDS: Array<{ key: PacingKey; label: string; hint: string; min: number }> = [
  { key: "per_minute", label: "Sends per minute", hint: "Default 20", min: 1 },
  { key: "burst", label: "Burst", hint: "Sends back to back; default 5", min: 1 },
  {
    key: "min_gap_ms",
    label: "Gap per recipient (ms)",
    hint: "Least time between two messages to one recipient; default 3000",
    min: 0,
  },
  { key: "jitter_ms", label: "Jitter (ms)", hint: "Random extra wait; default 1500", min: 0 },
  {
    key: "rate_limit_pause_ms",
    label: "Rate-limit pause (ms)",
    hint: "Pause when WhatsApp rate limits; default 60000",
    min: 0,
  },
];

const pacingText = (pacing: Schema<"User">["pacing"]) =>
  Object.fromEntries(
    PACING_FIELDS.map(({ key }) => [key, pacing?.[key] === undefined ? "" : String(pacing[key])]),
  ) as Record<PacingKey, string>;

/** The filled-in overrides; null when every field is empty (the worker's defaults). */
function pacingBody(text: Record<PacingKey, string>): Pacing | null {
  const entries = PACING_FIELDS.filter(({ key }) => text[key].trim() !== "").map(({ key }) => [
    key,
    Number(text[key]),
  ]);
  return entries.length > 0 ? (Object.fromEntries(entries) as Pacing) : null;
}

/** Edits an account's name, daily quota, session limit and pacing. */
export function EditAccountForm({ account }: { account: Schema<"User"> }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(account.name);
  const [quota, setQuota] = useState(String(account.max_messages_per_day));
  const [maxSessions, setMaxSessions] = useState(String(account.max_sessions));
  const [pacing, setPacing] = useState(() => pacingText(account.pacing));
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PATCH("/api/v1/users/{id}", {
          params: { path: { id: account.id } },
          body: {
            name,
            max_messages_per_day: Number(quota),
            max_sessions: Number(maxSessions),
            pacing: pacingBody(pacing),
          },
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
        <fieldset>
          <legend>Pacing (empty: the default)</legend>
          <div className="grid">
            {PACING_FIELDS.map(({ key, label, hint, min }) => (
              <Field key={key} label={label} hint={hint}>
                {(id) => (
                  <input
                    id={id}
                    type="number"
                    min={min}
                    step={1}
                    value={pacing[key]}
                    onChange={(e) =>
                      setPacing((current) => ({ ...current, [key]: e.target.value }))
                    }
                  />
                )}
              </Field>
            ))}
          </div>
        </fieldset>
        <ErrorBox error={save.error} />
        <button type="submit" className="primary" disabled={save.isPending}>
          Save
        </button>
        {save.isSuccess ? <span role="status"> Saved.</span> : null}
      </form>
    </details>
  );
}
