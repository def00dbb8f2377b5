import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ok } from "../../api/client.js";
import type { Schema } from "../../api/types.js";
import { ErrorBox } from "../../components/error-box.js";
import { PairingCodeForm } from "../../components/pairing-code-form.js";
import { Status, when } from "../../components/status.js";
import { useSessionEvents } from "./use-session-events.js";

/** One session: its live status, its QR while waiting for a scan, start and disconnect. */
export function SessionCard({ session }: { session: Schema<"Session"> }) {
  const queryClient = useQueryClient();
  const live = !["stopped", "failed"].includes(session.status);
  useSessionEvents(session.name, live);
  const qr = useQuery({
    queryKey: ["qr", session.name],
    enabled: session.status === "qr",
    refetchInterval: 20_000,
    queryFn: () =>
      ok(
        api.GET("/api/v1/sessions/qr", {
          params: { query: { session: session.name } },
          headers: { accept: "application/json" },
        }),
      ),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["sessions"] });
  const start = useMutation({
    mutationFn: () =>
      ok(api.POST("/api/v1/sessions/init", { params: { query: { session: session.name } } })),
    onSuccess: refresh,
  });
  const disconnect = useMutation({
    mutationFn: () =>
      ok(api.POST("/api/v1/sessions/disconnect", { params: { query: { session: session.name } } })),
    onSuccess: refresh,
  });
  return (
    <article className="card" aria-label={`Session ${session.name}`}>
      <h2>
        {session.name} <Status value={session.status} />
      </h2>
      <p className="muted">
        {session.mode} · {session.driver} · phone {session.phone_number ?? "—"} · last active{" "}
        {when(session.last_active_at)}
      </p>
      {session.status === "qr" &&
      qr.data &&
      typeof qr.data === "object" &&
      "data_url" in qr.data ? (
        <figure className="qr">
          <img src={qr.data.data_url} alt="WhatsApp QR code" width={264} height={264} />
          <figcaption>
            Open WhatsApp on the phone → Linked devices → Link a device, and scan.
          </figcaption>
        </figure>
      ) : null}
      {session.status === "qr" ? (
        <PairingCodeForm
          request={(phone) =>
            ok(
              api.POST("/api/v1/sessions/pairing-code", {
                params: { query: { session: session.name } },
                body: { phone },
              }),
            )
          }
        />
      ) : null}
      <ErrorBox error={start.error ?? disconnect.error ?? qr.error} />
      <div className="actions">
        {["stopped", "failed", "disconnected"].includes(session.status) ? (
          <button
            type="button"
            className="primary"
            onClick={() => start.mutate()}
            disabled={start.isPending}
          >
            Start session
          </button>
        ) : (
          <button
            type="button"
            className="danger"
            onClick={() => disconnect.mutate()}
            disabled={disconnect.isPending}
          >
            Disconnect
          </button>
        )}
      </div>
    </article>
  );
}
