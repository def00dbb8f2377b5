import { useQuery } from "@tanstack/react-query";
import { api, ok } from "../../api/client.js";
import { ErrorBox } from "../../components/error-box.js";
import { when } from "../../components/status.js";

/** The business's usage today against its daily quota (in the key's mode). */
export function UsageCard() {
  const account = useQuery({
    queryKey: ["account"],
    queryFn: () => ok(api.GET("/api/v1/account")),
    refetchInterval: 5000,
  });
  if (account.error) return <ErrorBox error={account.error} />;
  const a = account.data;
  if (!a) return null;
  return (
    <div className="card">
      <h2>
        {a.name} <span className="muted">({a.mode} key)</span>
      </h2>
      <p>
        Today: {a.messages_today} of {a.max_messages_per_day} messages ({a.quota_remaining} left,
        resets {when(a.reset_at)})
      </p>
      <meter
        min={0}
        max={Math.max(1, a.max_messages_per_day)}
        value={a.messages_today}
        aria-label="Daily quota used"
      />
    </div>
  );
}
