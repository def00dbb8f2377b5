import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { canWrite, getAuth } from "../../api/auth.js";
import { api, ok } from "../../api/client.js";
import { ConfirmButton } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { Status } from "../../components/status.js";
import { navigate } from "../../lib/router.js";
import { CreateKeyForm } from "../api-keys/create-key-form.js";
import { KeyTable } from "../api-keys/key-table.js";
import { AccountActivity } from "./account-activity.js";
import { EditAccountForm } from "./edit-account-form.js";

/** One account: today's usage against its quota, settings, state, keys. */
export function AccountDetailPage({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const writer = canWrite(getAuth());
  const user = useQuery({
    queryKey: ["users", id],
    queryFn: () => ok(api.GET("/api/v1/users/{id}", { params: { path: { id } } })),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["users"] });
  const setActive = useMutation({
    mutationFn: (active: boolean) =>
      ok(
        active
          ? api.POST("/api/v1/users/{id}/activate", { params: { path: { id } } })
          : api.POST("/api/v1/users/{id}/deactivate", { params: { path: { id } } }),
      ),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/api/v1/users/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      refresh();
      navigate("/accounts");
    },
  });
  if (user.error) return <ErrorBox error={user.error} />;
  if (!user.data) return <p aria-busy="true">Loading…</p>;
  const account = user.data;
  const used = account.messages_today;
  return (
    <section>
      <h1>{account.name}</h1>
      <p className="muted">
        {account.id} · {account.email} ·{" "}
        <Status value={account.is_active ? "active" : "inactive"} />
      </p>
      <div className="card">
        <h2>Usage today</h2>
        <p>
          {used} of {account.max_messages_per_day} messages ({account.quota_remaining} left)
        </p>
        <meter
          min={0}
          max={Math.max(1, account.max_messages_per_day)}
          value={used}
          aria-label="Daily quota used"
        />
      </div>
      <ErrorBox error={setActive.error ?? remove.error} />
      {writer ? (
        <>
          <EditAccountForm account={account} />
          <div className="actions">
            <button type="button" onClick={() => setActive.mutate(!account.is_active)}>
              {account.is_active ? "Deactivate" : "Activate"}
            </button>
            <ConfirmButton label="Delete account" onConfirm={() => remove.mutate()} />
          </div>
          <CreateKeyForm userId={id} />
        </>
      ) : null}
      <h2>API keys</h2>
      <KeyTable userId={id} />
      <AccountActivity userId={id} />
    </section>
  );
}
