import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ok } from "../../api/client.js";
import { SecretOnce } from "../../components/controls.js";
import { ErrorBox } from "../../components/error-box.js";

/**
 * Makes a single-use pairing link (15 minutes) for an account's session, starting the
 * session if needed, and shows it once to hand to the business.
 */
export function PairingLinkButton({ userId, session }: { userId: string; session: string }) {
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/api/v1/users/{id}/sessions/{name}/pairing-links", {
          params: { path: { id: userId, name: session } },
          body: {},
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["admin-sessions"] }),
  });
  return (
    <div className="pairing">
      <button
        type="button"
        onClick={() => create.mutate()}
        disabled={create.isPending}
        aria-label="Pairing link"
      >
        Pairing link
      </button>
      <ErrorBox error={create.error} />
      {create.data ? (
        <SecretOnce
          label={`Pairing link for ${session}, valid until ${new Date(create.data.expires_at).toLocaleTimeString()}`}
          value={create.data.url}
        />
      ) : null}
    </div>
  );
}
