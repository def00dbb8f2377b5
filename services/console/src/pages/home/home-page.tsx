import { api, ok } from "../../api/client.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { MessageTable } from "../my-messages/message-table.js";
import { SendForm } from "./send-form.js";
import { UsageCard } from "./usage-card.js";

/** The business's start page: send a test message and watch recent messages move live. */
export function HomePage() {
  const { query, rows } = usePagedQuery(
    ["messages", "recent"],
    () => ok(api.GET("/api/v1/messages", { params: { query: { limit: 10 } } })),
    { refetchInterval: 1500 },
  );
  return (
    <section>
      <h1>Overview</h1>
      <UsageCard />
      <SendForm />
      <h2>Recent messages</h2>
      <ErrorBox error={query.error} />
      <MessageTable rows={rows} linkBase="/my/messages" />
    </section>
  );
}
