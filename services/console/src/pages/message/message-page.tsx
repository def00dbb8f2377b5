import { useQuery } from "@tanstack/react-query";
import { api, ok } from "../../api/client.js";
import { explain } from "../../api/errors.js";
import { ErrorBox } from "../../components/error-box.js";
import { Status, when } from "../../components/status.js";
import { stepsFromMessage, Timeline } from "./timeline.js";

/** One of the business's messages: status timeline with times, and why it failed if it did. */
export function MessagePage({ id }: { id: string }) {
  const message = useQuery({
    queryKey: ["messages", id],
    queryFn: () => ok(api.GET("/api/v1/messages/{id}", { params: { path: { id } } })),
    refetchInterval: (q) =>
      ["read", "failed", "cancelled", "received"].includes(q.state.data?.status ?? "")
        ? false
        : 1500,
  });
  if (message.error) return <ErrorBox error={message.error} />;
  if (!message.data) return <p aria-busy="true">Loading…</p>;
  const m = message.data;
  return (
    <section>
      <h1>Message {m.id}</h1>
      <p>
        <Status value={m.status} /> · {m.direction === "outbound" ? `to ${m.to}` : `from ${m.from}`}{" "}
        · session {m.session ?? "—"}
      </p>
      {m.text ? <blockquote>{m.text}</blockquote> : null}
      <MessageError error={m.error} />
      <h2>Timeline</h2>
      <Timeline steps={stepsFromMessage(m)} />
      <p className="muted">
        Created {when(m.created_at)} · WhatsApp id {m.wa_message_id ?? "—"}
      </p>
    </section>
  );
}

/** A failed message's code, the worker's message, and what it means in plain words. */
export function MessageError({ error }: { error: { code?: string; message?: string } | null }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert">
      <strong>Failed: {error.code}</strong>
      <p>{explain(error.code ?? "")}</p>
      {error.message ? <p className="muted">{error.message}</p> : null}
    </div>
  );
}
