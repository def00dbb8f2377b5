import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok } from "../../api/client.js";
import { ConfirmButton } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";
import { Status } from "../../components/status.js";
import { CreateWebhookForm } from "./create-webhook-form.js";
import { Deliveries } from "./deliveries.js";

/** The business's webhooks: create (secret shown once), delete, and each one's deliveries. */
export function WebhooksPage() {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<string | null>(null);
  const hooks = useQuery({
    queryKey: ["webhooks"],
    queryFn: () => ok(api.GET("/api/v1/webhooks", { params: { query: { limit: 100 } } })),
  });
  const remove = useMutation({
    mutationFn: (id: string) =>
      ok(api.DELETE("/api/v1/webhooks/{id}", { params: { path: { id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["webhooks"] }),
  });
  const test = useMutation({
    mutationFn: (id: string) =>
      ok(api.POST("/api/v1/webhooks/{id}/test", { params: { path: { id } } })),
    onSuccess: (_result, id) => {
      setOpen(id);
      void queryClient.invalidateQueries({ queryKey: ["webhook-deliveries", id] });
    },
  });
  return (
    <section>
      <h1>Webhooks</h1>
      <CreateWebhookForm />
      <ErrorBox error={hooks.error ?? remove.error ?? test.error} />
      {hooks.data?.data.map((hook) => (
        <article className="card" key={hook.id} aria-label={`Webhook ${hook.url}`}>
          <h2 className="clip">{hook.url}</h2>
          <p>
            <Status value={hook.is_active ? "active" : "inactive"} /> · {hook.events.join(", ")}
            {hook.description ? ` · ${hook.description}` : null}
          </p>
          <div className="actions">
            <button
              type="button"
              aria-expanded={open === hook.id}
              onClick={() => setOpen(open === hook.id ? null : hook.id)}
            >
              Deliveries
            </button>
            <button type="button" onClick={() => test.mutate(hook.id)} disabled={test.isPending}>
              Send a test event
            </button>
            <ConfirmButton label="Delete" onConfirm={() => remove.mutate(hook.id)} />
          </div>
          {open === hook.id ? <Deliveries webhookId={hook.id} /> : null}
        </article>
      ))}
      {hooks.isSuccess && hooks.data.data.length === 0 ? (
        <p className="muted">No webhook yet.</p>
      ) : null}
    </section>
  );
}
