import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import type { Schema } from "../../api/types.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";

type Consent = Schema<"ConsentSettings">;

/** "STOP, Unsubscribe" → ["STOP", "Unsubscribe"] (empty items dropped). */
const words = (text: string) =>
  text
    .split(",")
    .map((w) => w.trim())
    .filter((w) => w !== "");

/** The account's consent keywords and the confirmation texts sent back (`/account/consent`). */
export function ConsentPage() {
  const consent = useQuery({
    queryKey: ["account-consent"],
    queryFn: () => ok(api.GET("/api/v1/account/consent")),
  });
  return (
    <section>
      <h1>Consent</h1>
      <p className="muted">
        A recipient who answers with one of these words as the whole message is opted out (or back
        in) at once; case, accents and surrounding punctuation are ignored. The confirmation text,
        when set, is sent back to them and uses no quota.
      </p>
      <ErrorBox error={consent.error} />
      {consent.data ? <ConsentForm current={consent.data} /> : null}
    </section>
  );
}

function ConsentForm({ current }: { current: Consent }) {
  const queryClient = useQueryClient();
  const [optOut, setOptOut] = useState(current.opt_out_keywords.join(", "));
  const [optIn, setOptIn] = useState(current.opt_in_keywords.join(", "));
  const [optOutReply, setOptOutReply] = useState(current.opt_out_reply ?? "");
  const [optInReply, setOptInReply] = useState(current.opt_in_reply ?? "");
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PUT("/api/v1/account/consent", {
          body: {
            opt_out_keywords: words(optOut),
            opt_in_keywords: words(optIn),
            opt_out_reply: optOutReply.trim() === "" ? null : optOutReply,
            opt_in_reply: optInReply.trim() === "" ? null : optInReply,
          },
        }),
      ),
    onSuccess: (saved) => queryClient.setQueryData(["account-consent"], saved),
  });
  return (
    <form
      className="card"
      aria-label="Consent keywords"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <div className="grid">
        <Field label="Opt-out keywords" hint="Comma-separated, e.g. STOP, UNSUBSCRIBE, ARRET">
          {(id) => (
            <input id={id} required value={optOut} onChange={(e) => setOptOut(e.target.value)} />
          )}
        </Field>
        <Field label="Opt-in keywords" hint="Comma-separated, e.g. START">
          {(id) => (
            <input id={id} required value={optIn} onChange={(e) => setOptIn(e.target.value)} />
          )}
        </Field>
      </div>
      <Field label="Opt-out confirmation" hint="Sent after an opt-out keyword; empty: none">
        {(id) => (
          <textarea
            id={id}
            rows={2}
            maxLength={1024}
            value={optOutReply}
            onChange={(e) => setOptOutReply(e.target.value)}
          />
        )}
      </Field>
      <Field label="Opt-in confirmation" hint="Sent after an opt-in keyword; empty: none">
        {(id) => (
          <textarea
            id={id}
            rows={2}
            maxLength={1024}
            value={optInReply}
            onChange={(e) => setOptInReply(e.target.value)}
          />
        )}
      </Field>
      <ErrorBox error={save.error} />
      <button type="submit" className="primary" disabled={save.isPending}>
        Save
      </button>
      {save.isSuccess ? <span role="status"> Saved.</span> : null}
    </form>
  );
}
