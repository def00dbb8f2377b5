import { useState } from "react";
import { Field } from "../../components/controls.js";
import { SESSION_STATUSES, SessionTable } from "./session-table.js";

/** Every account's sessions; admins make pairing links from here. */
export function SessionsPage() {
  const [userId, setUserId] = useState("");
  const [status, setStatus] = useState<(typeof SESSION_STATUSES)[number] | "">("");
  return (
    <section>
      <h1>Sessions</h1>
      <div className="filters">
        <Field label="Account id">
          {(id) => (
            <input id={id} value={userId} onChange={(e) => setUserId(e.target.value.trim())} />
          )}
        </Field>
        <Field label="Status">
          {(id) => (
            <select
              id={id}
              value={status}
              onChange={(e) => setStatus(e.target.value as typeof status)}
            >
              <option value="">any</option>
              {SESSION_STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <SessionTable userId={userId} status={status} />
    </section>
  );
}
