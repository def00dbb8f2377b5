import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import type { Schema } from "../../api/types.js";
import { ConfirmButton, Field } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { usePagedQuery } from "../../components/pager.js";
import { Status, when } from "../../components/status.js";
import { RefusedRows } from "../broadcasts/refused-rows.js";
import { MessageTable } from "../my-messages/message-table.js";

type Counts = Schema<"Broadcast">["counts"];
const STATUSES: (keyof Counts)[] = [
  "scheduled",
  "queued",
  "sending",
  "sent",
  "delivered",
  "read",
  "failed",
  "cancelled",
];

/** One broadcast: live progress while it runs, counts, controls, and its messages. */
export function BroadcastPage({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState("");
  const broadcast = useQuery({
    queryKey: ["broadcasts", id],
    queryFn: () => ok(api.GET("/api/v1/broadcasts/{id}", { params: { path: { id } } })),
    refetchInterval: (q) => (q.state.data?.status === "running" ? 2000 : false),
  });
  const running = broadcast.data?.status === "running";
  const { query, rows, pager } = usePagedQuery(
    ["broadcast-messages", id, status],
    (cursor) =>
      ok(
        api.GET("/api/v1/broadcasts/{id}/messages", {
          params: {
            path: { id },
            query: { limit: 25, cursor, status: (status || undefined) as never },
          },
        }),
      ),
    { refetchInterval: running ? 2000 : false },
  );
  const act = useMutation({
    mutationFn: (action: "pause" | "resume" | "cancel") =>
      ok(api.POST(`/api/v1/broadcasts/{id}/${action}`, { params: { path: { id } } })),
    onSuccess: (data) => {
      queryClient.setQueryData(["broadcasts", id], data);
      void queryClient.invalidateQueries({ queryKey: ["broadcast-messages", id] });
    },
  });
  if (broadcast.error) return <ErrorBox error={broadcast.error} />;
  if (!broadcast.data) return <p aria-busy="true">Loading…</p>;
  const b = broadcast.data;
  const percent = Math.round(b.progress * 100);
  return (
    <section>
      <h1>Broadcast {b.name}</h1>
      <p>
        <Status value={b.status} /> · session {b.session ?? "—"} · {b.recipients.accepted} of{" "}
        {b.recipients.total} recipients accepted, {b.recipients.refused} refused
        {b.rate ? ` · at most ${b.rate} a minute` : null}
      </p>
      <div className="card">
        <h2>Progress</h2>
        <meter min={0} max={1} value={b.progress} aria-label="Broadcast progress" />
        <p aria-live="polite">
          {percent}% finished
          {b.status === "running" && b.estimated_finish_at
            ? ` · estimated finish ${when(b.estimated_finish_at)}`
            : null}
          {b.completed_at ? ` · completed ${when(b.completed_at)}` : null}
          {b.cancelled_at ? ` · cancelled ${when(b.cancelled_at)}` : null}
        </p>
        <dl className="counts" aria-label="Messages by status">
          {STATUSES.map((s) => (
            <div key={s}>
              <dt>{s}</dt>
              <dd>{b.counts[s]}</dd>
            </div>
          ))}
        </dl>
        <ErrorBox error={act.error} />
        <div className="actions">
          {b.status === "running" ? (
            <button type="button" disabled={act.isPending} onClick={() => act.mutate("pause")}>
              Pause
            </button>
          ) : null}
          {b.status === "paused" ? (
            <button type="button" disabled={act.isPending} onClick={() => act.mutate("resume")}>
              Resume
            </button>
          ) : null}
          {b.status === "running" || b.status === "paused" ? (
            <ConfirmButton
              label="Cancel broadcast"
              busy={act.isPending}
              onConfirm={() => act.mutate("cancel")}
            />
          ) : null}
        </div>
      </div>
      {b.refused.length > 0 ? (
        <>
          <h2>Refused rows</h2>
          <RefusedRows rows={b.refused} />
        </>
      ) : null}
      <h2>Messages</h2>
      <div className="filters">
        <Field label="Status">
          {(fieldId) => (
            <select id={fieldId} value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">any</option>
              {STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <ErrorBox error={query.error} />
      <MessageTable rows={rows} linkBase="/my/messages" />
      {query.isSuccess && rows.length === 0 ? <p className="muted">No messages match.</p> : null}
      {pager}
      <p className="muted">Created {when(b.created_at)}</p>
    </section>
  );
}
