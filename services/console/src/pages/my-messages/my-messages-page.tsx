import { useState } from "react";
import { api, ok } from "../../api/client.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { filterQuery, MessageFilters, NO_FILTER } from "./message-filters.js";
import { MessageTable, stillMoving } from "./message-table.js";

/** The business's messages with filters; statuses update live while any is still moving. */
export function MyMessagesPage() {
  const [filter, setFilter] = useState(NO_FILTER);
  const { query, rows, pager } = usePagedQuery(
    ["messages", filter],
    (cursor) =>
      ok(
        api.GET("/api/v1/messages", {
          params: { query: { limit: 25, cursor, ...filterQuery(filter) } },
        }),
      ),
    { refetchInterval: 1500 },
  );
  return (
    <section>
      <h1>Messages</h1>
      <MessageFilters value={filter} onChange={setFilter} />
      <ErrorBox error={query.error} />
      <MessageTable rows={rows} linkBase="/my/messages" />
      {query.isSuccess && rows.length === 0 ? <p className="muted">No messages match.</p> : null}
      {stillMoving(rows) ? (
        <p className="muted" aria-live="polite">
          Updating live…
        </p>
      ) : null}
      {pager}
    </section>
  );
}
