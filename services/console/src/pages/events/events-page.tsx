import { useEffect, useState } from "react";
import { api } from "../../api/client.js";
import { readSse } from "../../api/sse.js";
import { Field } from "../../components/controls.js";
import { when } from "../../components/status.js";

const TYPES = ["message.status", "message.received", "session.status", "webhook.delivery"];
const KEEP = 200;

interface LiveEvent {
  key: number;
  type: string;
  timestamp: string;
  user_id: string;
  data: Record<string, unknown>;
}

/** A live monitor of every account's events (SSE), filterable by account and type. */
export function EventsPage() {
  const [userId, setUserId] = useState("");
  const [type, setType] = useState("");
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    let seq = 0;
    setEvents([]);
    (async () => {
      while (!abort.signal.aborted) {
        try {
          const { response } = await api.GET("/api/v1/admin/events", {
            params: { query: { user_id: userId || undefined, type: type || undefined } },
            parseAs: "stream",
            signal: abort.signal,
          });
          setConnected(response.ok);
          if (response.ok) {
            await readSse(response.body, ({ data }) => {
              const parsed = JSON.parse(data) as Omit<LiveEvent, "key">;
              if (!parsed.type) return;
              setEvents((list) => [{ ...parsed, key: seq++ }, ...list].slice(0, KEEP));
            });
          }
        } catch {
          // dropped or aborted: reconnect below unless aborted
        }
        setConnected(false);
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    })();
    return () => abort.abort();
  }, [userId, type]);
  return (
    <section>
      <h1>Events</h1>
      <div className="filters">
        <Field label="Account id">
          {(id) => (
            <input id={id} value={userId} onChange={(e) => setUserId(e.target.value.trim())} />
          )}
        </Field>
        <Field label="Type">
          {(id) => (
            <select id={id} value={type} onChange={(e) => setType(e.target.value)}>
              <option value="">all</option>
              {TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <p className="muted" role="status">
        {connected ? "Live: new events appear at the top." : "Connecting…"}
      </p>
      <ul className="events" aria-label="Live events">
        {events.map((e) => (
          <li key={e.key}>
            <time dateTime={e.timestamp}>{when(e.timestamp)}</time> <strong>{e.type}</strong>{" "}
            {e.user_id} {JSON.stringify(e.data)}
          </li>
        ))}
      </ul>
      {events.length === 0 ? <p className="muted">No events yet.</p> : null}
    </section>
  );
}
