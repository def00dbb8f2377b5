import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { SessionCard } from "./session-card.js";

/** The business's WhatsApp sessions: start one, scan its QR, watch it link, disconnect. */
export function MySessionsPage() {
  const queryClient = useQueryClient();
  const [name, setName] = useState("default");
  const sessions = useQuery({
    queryKey: ["sessions"],
    queryFn: () => ok(api.GET("/api/v1/sessions")),
    refetchInterval: 10_000,
  });
  const start = useMutation({
    mutationFn: () =>
      ok(api.POST("/api/v1/sessions/init", { params: { query: { session: name } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["sessions"] }),
  });
  return (
    <section>
      <h1>Sessions</h1>
      <form
        className="card inline-form"
        aria-label="New session"
        onSubmit={(event) => {
          event.preventDefault();
          start.mutate();
        }}
      >
        <Field label="Session name">
          {(id) => (
            <input id={id} required value={name} onChange={(e) => setName(e.target.value)} />
          )}
        </Field>
        <button type="submit" className="primary" disabled={start.isPending}>
          Start session
        </button>
      </form>
      <ErrorBox error={sessions.error ?? start.error} />
      {sessions.data?.data.map((session) => (
        <SessionCard key={session.name} session={session} />
      ))}
      {sessions.isSuccess && sessions.data.data.length === 0 ? (
        <p className="muted">No session yet: start one above.</p>
      ) : null}
    </section>
  );
}
