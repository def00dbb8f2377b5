import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import type { ApiKeyScope, KeyMode } from "../../api/types.js";
import { Field, SecretOnce } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";

const SCOPES: ApiKeyScope[] = [
  "messages:send",
  "messages:read",
  "sessions:manage",
  "webhooks:manage",
];

/** Creates a key for an account; the raw key is shown once, with a copy button. */
export function CreateKeyForm({ userId }: { userId?: string }) {
  const queryClient = useQueryClient();
  const [accountId, setAccountId] = useState(userId ?? "");
  const [name, setName] = useState("default");
  const [mode, setMode] = useState<KeyMode>("test");
  const [scopes, setScopes] = useState<ApiKeyScope[]>(SCOPES);
  const [expires, setExpires] = useState("");
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/api/v1/api-keys", {
          body: {
            user_id: accountId,
            name,
            mode,
            scopes,
            expires_at: expires ? new Date(expires).toISOString() : null,
          },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  const toggle = (scope: ApiKeyScope) =>
    setScopes((current) =>
      current.includes(scope) ? current.filter((s) => s !== scope) : [...current, scope],
    );
  return (
    <div className="card">
      <h2>New API key</h2>
      <form
        aria-label="New API key"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <div className="grid">
          {userId ? null : (
            <Field label="Account id">
              {(id) => (
                <input
                  id={id}
                  required
                  value={accountId}
                  onChange={(e) => setAccountId(e.target.value)}
                />
              )}
            </Field>
          )}
          <Field label="Key name">
            {(id) => (
              <input id={id} required value={name} onChange={(e) => setName(e.target.value)} />
            )}
          </Field>
          <Field label="Mode" hint="test: simulator, no phone needed · live: real WhatsApp">
            {(id) => (
              <select id={id} value={mode} onChange={(e) => setMode(e.target.value as KeyMode)}>
                <option value="test">test</option>
                <option value="live">live</option>
              </select>
            )}
          </Field>
          <Field label="Expires" hint="Empty: never">
            {(id) => (
              <input
                id={id}
                type="datetime-local"
                value={expires}
                onChange={(e) => setExpires(e.target.value)}
              />
            )}
          </Field>
        </div>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope} className="check">
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={() => toggle(scope)}
              />{" "}
              {scope}
            </label>
          ))}
        </fieldset>
        <ErrorBox error={create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create key
        </button>
      </form>
      {create.data ? (
        <SecretOnce label={`API key ${create.data.prefix}`} value={create.data.key} />
      ) : null}
    </div>
  );
}
