import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";

/** The signed-in admin changes their own password. */
export function ChangePasswordPage() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const change = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/api/v1/auth/change-password", {
          body: { current_password: current, new_password: next },
        }),
      ),
  });
  return (
    <section>
      <h1>Change password</h1>
      <form
        className="card"
        aria-label="Change password"
        onSubmit={(event) => {
          event.preventDefault();
          change.mutate();
        }}
      >
        <Field label="Current password">
          {(id) => (
            <input
              id={id}
              type="password"
              autoComplete="current-password"
              required
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          )}
        </Field>
        <Field label="New password" hint="At least 10 characters">
          {(id) => (
            <input
              id={id}
              type="password"
              autoComplete="new-password"
              required
              value={next}
              onChange={(e) => setNext(e.target.value)}
            />
          )}
        </Field>
        <ErrorBox error={change.error} />
        <button type="submit" className="primary" disabled={change.isPending}>
          Change password
        </button>
        {change.isSuccess ? <p role="status">Password changed.</p> : null}
      </form>
    </section>
  );
}
