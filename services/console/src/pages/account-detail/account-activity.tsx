import { useState } from "react";
import { canWrite, getAuth } from "../../api/auth.js";
import { api, ok } from "../../api/client.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { MessageTable } from "../my-messages/message-table.js";
import { PairingLinkButton } from "../sessions/pairing-link-button.js";
import { SessionTable } from "../sessions/session-table.js";

/** An account's sessions (with pairing links) and its recent messages. */
export function AccountActivity({ userId }: { userId: string }) {
  const [session, setSession] = useState("default");
  const messages = usePagedQuery(
    ["admin-messages", "account", userId],
    (cursor) =>
      ok(
        api.GET("/api/v1/admin/messages", {
          params: { query: { limit: 10, cursor, user_id: userId } },
        }),
      ),
    { refetchInterval: 5000 },
  );
  return (
    <>
      <h2>Sessions</h2>
      {canWrite(getAuth()) ? (
        <div className="card inline-form">
          <Field
            label="Session name"
            hint="A pairing link starts the session and lets the business scan its QR without a key"
          >
            {(id) => (
              <input id={id} value={session} onChange={(e) => setSession(e.target.value.trim())} />
            )}
          </Field>
          <PairingLinkButton userId={userId} session={session || "default"} />
        </div>
      ) : null}
      <SessionTable userId={userId} />
      <h2>Recent messages</h2>
      <ErrorBox error={messages.query.error} />
      <MessageTable rows={messages.rows} linkBase="/messages" />
      {messages.pager}
    </>
  );
}
