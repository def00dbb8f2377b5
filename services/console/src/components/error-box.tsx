import { ApiFailure, explain } from "../api/errors.js";

/** An API error in the page: what happened in plain words, the server's message and the request id. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const failure =
    error instanceof ApiFailure
      ? error
      : new ApiFailure(
          0,
          "internal",
          error instanceof Error ? error.message : String(error),
          undefined,
        );
  return (
    <div role="alert" className="error-box">
      <strong>{failure.message}</strong>
      <p>{explain(failure.code)}</p>
      <p className="muted">
        Code <code>{failure.code}</code>
        {failure.requestId ? (
          <>
            {" "}
            · request id <code>{failure.requestId}</code>
          </>
        ) : null}
      </p>
    </div>
  );
}
