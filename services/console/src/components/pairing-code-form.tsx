import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ApiFailure } from "../api/errors.js";
import { Field } from "./controls.js";
import { ErrorBox } from "./error-box.js";

/**
 * "Cannot scan? Use a pairing code": asks for the code to type on the phone (WhatsApp ›
 * Linked devices › Link with phone number). `request` calls the API route of the page
 * (a pairing link's or the account's own).
 */
export function PairingCodeForm({
  request,
}: {
  request: (phone: string) => Promise<{ code: string }>;
}) {
  const [phone, setPhone] = useState("");
  const ask = useMutation({ mutationFn: () => request(phone) });
  return (
    <details className="card">
      <summary>Cannot scan? Use a pairing code</summary>
      <form
        aria-label="Pairing code"
        onSubmit={(event) => {
          event.preventDefault();
          ask.mutate();
        }}
      >
        <Field label="Phone" hint="The phone's number in international form, e.g. +213661234567">
          {(id) => (
            <input
              id={id}
              type="tel"
              autoComplete="tel"
              required
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" disabled={ask.isPending}>
          Get pairing code
        </button>
      </form>
      {ask.data ? (
        <p role="status">
          Type this code on the phone (WhatsApp → Linked devices → Link a device → Link with phone
          number instead): <code>{ask.data.code}</code>
        </p>
      ) : null}
      {ask.error instanceof ApiFailure ? <ErrorBox error={ask.error} /> : null}
    </details>
  );
}
