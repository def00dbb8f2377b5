/** A status as text (screen readers and tests read it), coloured by its meaning. */
export function Status({ value }: { value: string }) {
  const tone = [
    "ready",
    "read",
    "completed",
    "delivered",
    "sent",
    "succeeded",
    "active",
    "linked",
  ].includes(value)
    ? "good"
    : ["failed", "cancelled", "disconnected", "dead", "revoked", "inactive", "expired"].includes(
          value,
        )
      ? "bad"
      : "wait";
  return <span className={`status status-${tone}`}>{value}</span>;
}

export const when = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString() : "—";
