import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { Link } from "../../lib/router.js";

/** "Send a test message": a text to one number through one of the account's sessions. */
export function SendForm() {
  const queryClient = useQueryClient();
  const [to, setTo] = useState("");
  const [text, setText] = useState("");
  const [session, setSession] = useState("default");
  const send = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/messages/send-text", { body: { to, text, session } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["messages"] }),
  });
  return (
    <form
      className="card"
      aria-label="Send a test message"
      onSubmit={(event) => {
        event.preventDefault();
        send.mutate();
      }}
    >
      <h2>Send a test message</h2>
      <div className="grid">
        <Field label="To" hint="International number, e.g. +213661234567">
          {(id) => (
            <input id={id} type="tel" required value={to} onChange={(e) => setTo(e.target.value)} />
          )}
        </Field>
        <Field label="Session name">
          {(id) => (
            <input id={id} required value={session} onChange={(e) => setSession(e.target.value)} />
          )}
        </Field>
      </div>
      <Field label="Text">
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
      <ErrorBox error={send.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={send.isPending}>
          Send
        </button>
        {send.data ? (
          <span role="status">
            Accepted as <Link to={`/my/messages/${send.data.id}`}>{send.data.id}</Link> (
            {send.data.status})
          </span>
        ) : null}
      </div>
    </form>
  );
}
