import type { Schema } from "../../api/types.js";
import { Status, when } from "../../components/status.js";
import { Link } from "../../lib/router.js";

/** Messages with their status as text; each links to its page (timeline, error, deliveries). */
export function MessageTable({
  rows,
  linkBase,
  showAccount,
}: {
  rows: (Schema<"Message"> & { user_id?: string })[];
  linkBase: string;
  showAccount?: boolean;
}) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Message</th>
            {showAccount ? <th>Account</th> : null}
            <th>To / from</th>
            <th>Text</th>
            <th>Status</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((message) => (
            <tr key={message.id}>
              <td>
                <Link to={`${linkBase}/${message.id}`}>{message.id}</Link>
              </td>
              {showAccount ? <td>{message.user_id ?? "—"}</td> : null}
              <td>{message.direction === "outbound" ? message.to : message.from}</td>
              <td className="clip">{message.text ?? message.type}</td>
              <td>
                <Status value={message.status} />
                {message.error ? <small className="muted"> {message.error.code}</small> : null}
              </td>
              <td>{when(message.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** True while a message can still change status (the list keeps polling until none can). */
export const stillMoving = (rows: Schema<"Message">[]) =>
  rows.some((m) => ["scheduled", "queued", "sending", "sent", "delivered"].includes(m.status));
