import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { navigate } from "../../lib/router.js";

/** Creates an account and opens its page (where its first key is made). */
export function CreateAccountForm() {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [phone, setPhone] = useState("");
  const [quota, setQuota] = useState("1000");
  const [maxSessions, setMaxSessions] = useState("1");
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/api/v1/users", {
          body: {
            name,
            email,
            phone: phone || undefined,
            max_messages_per_day: Number(quota),
            max_sessions: Number(maxSessions),
          },
        }),
      ),
    onSuccess: (user) => {
      void queryClient.invalidateQueries({ queryKey: ["users"] });
      navigate(`/accounts/${user.id}`);
    },
  });
  return (
    <details className="card">
      <summary>New account</summary>
      <form
        aria-label="New account"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <div className="grid">
          <Field label="Name">
            {(id) => (
              <input id={id} required value={name} onChange={(e) => setName(e.target.value)} />
            )}
          </Field>
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
          <Field label="Phone">
            {(id) => (
              <input id={id} type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} />
            )}
          </Field>
          <Field label="Daily quota">
            {(id) => (
              <input
                id={id}
                type="number"
                min={0}
                required
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
                required
                value={maxSessions}
                onChange={(e) => setMaxSessions(e.target.value)}
              />
            )}
          </Field>
        </div>
        <ErrorBox error={create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create account
        </button>
      </form>
    </details>
  );
}
