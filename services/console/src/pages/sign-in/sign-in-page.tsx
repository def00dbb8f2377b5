import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { setAuth } from "../../api/auth.js";
import { api, ok } from "../../api/client.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { navigate } from "../../lib/router.js";
import { PasswordReset } from "./password-reset.js";

type Mode = "admin" | "account" | "reset";

/** The two ways in: an admin with email and password, a business with its API key. */
export function SignInPage() {
  const [mode, setMode] = useState<Mode>("admin");
  return (
    <main className="sign-in">
      <h1>wagate console</h1>
      <div role="tablist" aria-label="Who are you?" className="tabs">
        <button
          type="button"
          role="tab"
          aria-selected={mode === "admin"}
          onClick={() => setMode("admin")}
        >
          Admin
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === "account"}
          onClick={() => setMode("account")}
        >
          Business (API key)
        </button>
      </div>
      {mode === "admin" ? <AdminSignIn onForgot={() => setMode("reset")} /> : null}
      {mode === "account" ? <AccountSignIn /> : null}
      {mode === "reset" ? <PasswordReset onDone={() => setMode("admin")} /> : null}
    </main>
  );
}

function AdminSignIn({ onForgot }: { onForgot: () => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/auth/login", { body: { email, password } })),
    onSuccess: (pair) => {
      setAuth({
        kind: "admin",
        accessToken: pair.access_token,
        refreshToken: pair.refresh_token,
        admin: pair.admin,
      });
      navigate("/overview", { replace: true });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  return (
    <form onSubmit={submit} className="card" aria-label="Admin sign-in">
      <Field label="Email">
        {(id) => (
          <input
            id={id}
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        )}
      </Field>
      <Field label="Password">
        {(id) => (
          <input
            id={id}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        )}
      </Field>
      <ErrorBox error={login.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={login.isPending}>
          Sign in
        </button>
        <button type="button" className="link" onClick={onForgot}>
          Forgot password?
        </button>
      </div>
    </form>
  );
}

function AccountSignIn() {
  const [apiKey, setApiKey] = useState("");
  const check = useMutation({
    // The key is checked by reading the account with it; it is kept only if that works.
    mutationFn: () =>
      ok(api.GET("/api/v1/account", { headers: { authorization: `ApiKey ${apiKey.trim()}` } })),
    onSuccess: () => {
      setAuth({ kind: "account", apiKey: apiKey.trim() });
      navigate("/home", { replace: true });
    },
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        check.mutate();
      }}
      className="card"
      aria-label="Business sign-in"
    >
      <Field
        label="API key"
        hint="Kept in this tab only (session storage); closing the tab signs you out."
      >
        {(id) => (
          <input
            id={id}
            type="password"
            autoComplete="off"
            required
            value={apiKey}
            onChange={(e) => setApiKey(e.target.value)}
          />
        )}
      </Field>
      <ErrorBox error={check.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={check.isPending}>
          Sign in
        </button>
      </div>
    </form>
  );
}
