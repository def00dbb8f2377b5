import { useEffect, useState } from "react";
import { api, ok } from "../../api/client.js";
import { toFailure } from "../../api/errors.js";
import { readSse } from "../../api/sse.js";
import type { Schema } from "../../api/types.js";
import { ErrorBox } from "../../components/error-box.js";
import { PairingCodeForm } from "../../components/pairing-code-form.js";
import { Status } from "../../components/status.js";

type PairingState = Schema<"PairingState">;
type PairingQr = Schema<"PairingQr">;

/** Follows a pairing link's live stream: the session's status and its current QR. */
function usePairing(token: string) {
  const [state, setState] = useState<PairingState | null>(null);
  const [qr, setQr] = useState<PairingQr | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      while (!abort.signal.aborted) {
        try {
          const { response, error: failure } = await api.GET("/api/v1/pairing/{token}/events", {
            params: { path: { token } },
            parseAs: "stream",
            signal: abort.signal,
          });
          if (!response.ok) {
            setError(toFailure(response, failure));
            // A spent or expired link answers 404: nothing more will come.
            if (response.status === 404) return;
          } else {
            setError(null);
            await readSse(response.body, ({ event, data }) => {
              if (event === "status") setState(JSON.parse(data) as PairingState);
              if (event === "qr") setQr(JSON.parse(data) as PairingQr);
            });
          }
        } catch {
          // dropped or aborted: reconnect below unless aborted
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    })();
    return () => abort.abort();
  }, [token]);
  return { state, qr, error };
}

/** The page a business opens from a pairing link: no sign-in, only this session's QR, then "Linked". */
export function PairPage({ token }: { token: string }) {
  const { state, qr, error: failure } = usePairing(token);
  const linked = state?.session.status === "ready";
  return (
    <main className="sign-in">
      <h1>Link WhatsApp</h1>
      {state ? (
        <p>
          Session <strong>{state.session.name}</strong>: <Status value={state.session.status} />
        </p>
      ) : null}
      {linked ? (
        <div className="card" role="status">
          <h2>Linked</h2>
          <p>
            This phone{state.session.phone_number ? ` (${state.session.phone_number})` : ""} is
            linked. You can close this page.
          </p>
        </div>
      ) : state?.session.status === "qr" && qr ? (
        <figure className="qr card">
          <img src={qr.data_url} alt="WhatsApp QR code" width={264} height={264} />
          <figcaption>
            On the phone: WhatsApp → Settings → Linked devices → Link a device, then point the
            camera at this code. It refreshes by itself.
          </figcaption>
        </figure>
      ) : !failure ? (
        <p aria-busy="true">Waiting for the session to show its QR code…</p>
      ) : null}
      {failure && !linked ? <ErrorBox error={failure} /> : null}
      {state?.session.status === "qr" ? (
        <PairingCodeForm
          request={(phone) =>
            ok(
              api.POST("/api/v1/pairing/{token}/pairing-code", {
                params: { path: { token } },
                body: { phone },
              }),
            )
          }
        />
      ) : null}
      <p className="muted">
        This link works once and expires
        {state ? ` at ${new Date(state.expires_at).toLocaleTimeString()}` : ""}.
      </p>
    </main>
  );
}
