import type { Schema } from "../../api/types.js";

/** The rows the API refused, with the reason for each. */
export function RefusedRows({ rows }: { rows: Schema<"BroadcastRefusal">[] }) {
  if (rows.length === 0) return null;
  return (
    <div className="table-wrap">
      <table aria-label="Refused rows">
        <thead>
          <tr>
            <th>Row</th>
            <th>Number</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.row}>
              <td>{r.row}</td>
              <td>{r.to ?? "—"}</td>
              <td>{r.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
