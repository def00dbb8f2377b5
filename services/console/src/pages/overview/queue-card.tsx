import { useQuery } from "@tanstack/react-query";
import { api, ok } from "../../api/client.js";
import type { Schema } from "../../api/types.js";
import { ErrorBox } from "../../components/error-box.js";

const age = (seconds: number) =>
  seconds < 60
    ? `${Math.round(seconds)} s`
    : seconds < 3600
      ? `${Math.round(seconds / 60)} min`
      : `${(seconds / 3600).toFixed(1)} h`;

/** Queue depth and the age of the oldest waiting job: sends (all sessions) and webhooks. */
export function QueueCard() {
  const queues = useQuery({
    queryKey: ["queues"],
    queryFn: () => ok(api.GET("/api/v1/admin/queues")),
    refetchInterval: 5000,
  });
  const rows: [string, Schema<"QueueDepth">][] = queues.data
    ? [
        ["Sends", queues.data.send],
        ["Webhooks", queues.data.webhooks],
      ]
    : [];
  return (
    <div className="card">
      <h2>Queues</h2>
      <ErrorBox error={queues.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Queue</th>
              <th>Waiting</th>
              <th>Active</th>
              <th>Delayed</th>
              <th>Failed</th>
              <th>Oldest waiting</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([name, q]) => (
              <tr key={name}>
                <td>{name}</td>
                <td>{q.waiting}</td>
                <td>{q.active}</td>
                <td>{q.delayed}</td>
                <td>{q.failed}</td>
                <td>{q.waiting > 0 ? age(q.oldest_waiting_age_seconds) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
