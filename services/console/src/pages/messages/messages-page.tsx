import { useState } from "react";
import { api, ok } from "../../api/client.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { filterQuery, MessageFilters, NO_FILTER } from "../my-messages/message-filters.js";
import { MessageTable } from "../my-messages/message-table.js";

/** Every account's messages: search by account, status, recipient and time. */
export function MessagesPage() {
  const [filter, setFilter] = useState(NO_FILTER);
  const [userId, setUserId] = useState("");
  const { query, rows, pager } = usePagedQuery(
    ["admin-messages", filter, userId],
    (cursor) =>
      ok(
        api.GET("/api/v1/admin/messages", {
          params: {
            query: { limit: 25, cursor, user_id: userId || undefined, ...filterQuery(filter) },
          },
        }),
      ),
    { refetchInterval: 3000 },
  );
  return (
    <section>
      <h1>Messages</h1>
      <div className="filters">
        <Field label="Account id">
          {(id) => (
            <input id={id} value={userId} onChange={(e) => setUserId(e.target.value.trim())} />
          )}
        </Field>
      </div>
      <MessageFilters value={filter} onChange={setFilter} />
      <ErrorBox error={query.error} />
      <MessageTable rows={rows} linkBase="/messages" showAccount />
      {query.isSuccess && rows.length === 0 ? <p className="muted">No messages match.</p> : null}
      {pager}
    </section>
  );
}
