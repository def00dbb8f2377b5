import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import { BarChart } from "../../components/bar-chart.js";
import { Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { dailyTotals } from "./daily-totals.js";
import { LogTables } from "./log-tables.js";

/** Usage stats (chart + table) and the request, login and audit logs, with API.md's filters. */
export function AnalyticsPage() {
  const [userId, setUserId] = useState("");
  const [from, setFrom] = useState(
    new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10),
  );
  const usage = useQuery({
    queryKey: ["usage-stats", userId, from],
    queryFn: () =>
      ok(
        api.GET("/api/v1/analytics/usage-stats", {
          params: { query: { from, user_id: userId || undefined, limit: 200 } },
        }),
      ),
  });
  const rows = usage.data?.data ?? [];
  return (
    <section>
      <h1>Analytics</h1>
      <div className="filters">
        <Field label="Account id">
          {(id) => <input id={id} value={userId} onChange={(e) => setUserId(e.target.value)} />}
        </Field>
        <Field label="From day">
          {(id) => (
            <input id={id} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
          )}
        </Field>
      </div>
      <ErrorBox error={usage.error} />
      <div className="card">
        <h2>Usage</h2>
        <BarChart days={dailyTotals(rows, 30)} label="Messages sent and failed per day" />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Day</th>
                <th>Account</th>
                <th>Sent</th>
                <th>Failed</th>
                <th>Media</th>
                <th>API requests</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.user_id}-${r.date}`}>
                  <td>{r.date}</td>
                  <td>{r.user_id}</td>
                  <td>{r.messages_sent}</td>
                  <td>{r.messages_failed}</td>
                  <td>{r.media_sent}</td>
                  <td>{r.api_requests}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <LogTables userId={userId} />
    </section>
  );
}
