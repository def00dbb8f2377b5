import { useQuery } from "@tanstack/react-query";
import { api, ok } from "../../api/client.js";
import { BarChart } from "../../components/bar-chart.js";
import { ErrorBox } from "../../components/error-box.js";
import { Link } from "../../lib/router.js";
import { dailyTotals } from "../analytics/daily-totals.js";
import { QueueCard } from "./queue-card.js";

/** The admin's start page: today's messages and sessions by status, top accounts, 30 days of sends. */
export function OverviewPage() {
  const summary = useQuery({
    queryKey: ["summary"],
    queryFn: () => ok(api.GET("/api/v1/analytics/summary")),
    refetchInterval: 10_000,
  });
  const from = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  const usage = useQuery({
    queryKey: ["usage-stats", "30d", from],
    queryFn: () =>
      ok(api.GET("/api/v1/analytics/usage-stats", { params: { query: { from, limit: 200 } } })),
  });
  const s = summary.data;
  return (
    <section>
      <h1>Overview</h1>
      <ErrorBox error={summary.error ?? usage.error} />
      {s ? (
        <div className="tiles">
          <Tile
            title={`Messages today (${s.messages_today.total})`}
            counts={s.messages_today.by_status}
          />
          <Tile title={`Sessions (${s.sessions.total})`} counts={s.sessions.by_status} />
          <div className="card">
            <h2>Accounts</h2>
            <p>
              {s.accounts.active} active of {s.accounts.total}
            </p>
            <h3>Top accounts today</h3>
            <ol>
              {s.top_accounts.map((a) => (
                <li key={a.user_id}>
                  <Link to={`/accounts/${a.user_id}`}>{a.name ?? a.user_id}</Link>:{" "}
                  {a.messages_sent} sent, {a.messages_failed} failed
                </li>
              ))}
            </ol>
          </div>
        </div>
      ) : (
        <p aria-busy="true">Loading…</p>
      )}
      <QueueCard />
      <div className="card">
        <h2>Last 30 days</h2>
        <BarChart
          days={dailyTotals(usage.data?.data ?? [], 30)}
          label="Messages sent and failed per day, last 30 days"
        />
      </div>
    </section>
  );
}

function Tile({ title, counts }: { title: string; counts: Record<string, number> }) {
  return (
    <div className="card">
      <h2>{title}</h2>
      <dl className="counts">
        {Object.entries(counts).map(([status, n]) => (
          <div key={status}>
            <dt>{status}</dt>
            <dd>{n}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
