import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";

/** Password reset by a code sent to the admin's phone: request → verify the code → new password. */
export function PasswordReset({ onDone }: { onDone: () => void }) {
  const [email, setEmail] = useState("");
  const [phone, setPhone] = useState("");
  const [otp, setOtp] = useState("");
  const [password, setPassword] = useState("");
  const [requestId, setRequestId] = useState<string | null>(null);
  const [resetToken, setResetToken] = useState<string | null>(null);
  const request = useMutation({
    mutationFn: () =>
      ok(api.POST("/api/v1/auth/password-reset/request", { body: { email, phone } })),
    onSuccess: (r) => setRequestId(r.request_id),
  });
  const verify = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/api/v1/auth/password-reset/verify", {
          body: { request_id: requestId ?? "", otp },
        }),
      ),
    onSuccess: (r) => setResetToken(r.reset_token),
  });
  const confirm = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/api/v1/auth/password-reset/confirm", {
          body: { reset_token: resetToken ?? "", new_password: password },
        }),
      ),
    onSuccess: onDone,
  });
  const step = resetToken ? confirm : requestId ? verify : request;
  return (
    <form
      className="card"
      aria-label="Password reset"
      onSubmit={(event) => {
        event.preventDefault();
        step.mutate();
      }}
    >
      <h2>Reset your password</h2>
      {!requestId ? (
        <>
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
          <Field label="Phone" hint="The phone on your admin profile, e.g. +213661234567">
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
        </>
      ) : !resetToken ? (
        <Field label="Code" hint="The 6 digits sent to your phone by WhatsApp">
          {(id) => (
            <input
              id={id}
              inputMode="numeric"
              required
              value={otp}
              onChange={(e) => setOtp(e.target.value)}
            />
          )}
        </Field>
      ) : (
        <Field label="New password" hint="At least 10 characters">
          {(id) => (
            <input
              id={id}
              type="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
      )}
      <ErrorBox error={step.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={step.isPending}>
          {!requestId ? "Send code" : !resetToken ? "Check code" : "Set password"}
        </button>
        <button type="button" className="link" onClick={onDone}>
          Back to sign-in
        </button>
      </div>
    </form>
  );
}
