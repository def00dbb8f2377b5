import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import type { Schema } from "../../api/types.js";
import { Field, SecretOnce } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";

type WebhookEvent = Schema<"WebhookCreate">["events"][number];
const EVENTS: WebhookEvent[] = ["message.status", "message.received", "session.status"];

/** Registers a webhook; its signing secret is shown once. */
export function CreateWebhookForm() {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<WebhookEvent[]>(EVENTS);
  const [description, setDescription] = useState("");
  const create = useMutation({
    mutationFn: () =>
      ok(api.POST("/api/v1/webhooks", { body: { url, events, description: description || null } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["webhooks"] }),
  });
  return (
    <details className="card">
      <summary>New webhook</summary>
      <form
        aria-label="New webhook"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <Field label="URL">
          {(id) => (
            <input
              id={id}
              type="url"
              required
              value={url}
              onChange={(e) => setUrl(e.target.value)}
            />
          )}
        </Field>
        <Field label="Description">
          {(id) => (
            <input id={id} value={description} onChange={(e) => setDescription(e.target.value)} />
          )}
        </Field>
        <fieldset>
          <legend>Events</legend>
          {EVENTS.map((name) => (
            <label key={name} className="check">
              <input
                type="checkbox"
                checked={events.includes(name)}
                onChange={() =>
                  setEvents((cur) =>
                    cur.includes(name) ? cur.filter((e) => e !== name) : [...cur, name],
                  )
                }
              />{" "}
              {name}
            </label>
          ))}
        </fieldset>
        <ErrorBox error={create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create webhook
        </button>
      </form>
      {create.data ? <SecretOnce label="Signing secret" value={create.data.secret} /> : null}
    </details>
  );
}
