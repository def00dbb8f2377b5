import { Field } from "../../components/controls.js";

export interface MessageFilter {
  status: string;
  to: string;
  since: string;
  until: string;
}

export const NO_FILTER: MessageFilter = { status: "", to: "", since: "", until: "" };

const STATUSES = [
  "scheduled",
  "queued",
  "sending",
  "sent",
  "delivered",
  "read",
  "failed",
  "cancelled",
  "received",
];

/** Status, recipient and time filters shared by the account's and the admin's message lists. */
export function MessageFilters({
  value,
  onChange,
}: {
  value: MessageFilter;
  onChange: (next: MessageFilter) => void;
}) {
  const set = (patch: Partial<MessageFilter>) => onChange({ ...value, ...patch });
  return (
    <div className="filters">
      <Field label="Status">
        {(id) => (
          <select id={id} value={value.status} onChange={(e) => set({ status: e.target.value })}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Recipient">
        {(id) => (
          <input
            id={id}
            type="search"
            value={value.to}
            onChange={(e) => set({ to: e.target.value })}
          />
        )}
      </Field>
      <Field label="Since">
        {(id) => (
          <input
            id={id}
            type="datetime-local"
            value={value.since}
            onChange={(e) => set({ since: e.target.value })}
          />
        )}
      </Field>
      <Field label="Until">
        {(id) => (
          <input
            id={id}
            type="datetime-local"
            value={value.until}
            onChange={(e) => set({ until: e.target.value })}
          />
        )}
      </Field>
    </div>
  );
}

/** The filter as API query parameters (times as RFC 3339). */
export const filterQuery = (f: MessageFilter) => ({
  status: (f.status || undefined) as never,
  to: f.to || undefined,
  since: f.since ? new Date(f.since).toISOString() : undefined,
  until: f.until ? new Date(f.until).toISOString() : undefined,
});
