import createClient from "openapi-fetch";
import { authorizationHeader, getAuth, setAuth } from "./auth.js";
import { ApiFailure, toFailure } from "./errors.js";
import type { paths } from "./schema.js";

let refreshing: Promise<boolean> | null = null;

/** Trades the refresh token for a new pair (rotation); false when the session is over. */
async function refreshAdmin(): Promise<boolean> {
  const auth = getAuth();
  if (auth?.kind !== "admin") return false;
  const res = await fetch("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refresh_token: auth.refreshToken }),
  });
  if (!res.ok) {
    setAuth(null);
    return false;
  }
  const pair =
    (await res.json()) as paths["/api/v1/auth/refresh"]["post"]["responses"][200]["content"]["application/json"];
  setAuth({
    kind: "admin",
    accessToken: pair.access_token,
    refreshToken: pair.refresh_token,
    admin: pair.admin,
  });
  return true;
}

/** Adds the signed-in credentials; on a 401 an admin's tokens are rotated once and the request replayed. */
async function authFetch(request: Request): Promise<Response> {
  const attempt = (req: Request) => {
    const header = authorizationHeader(getAuth());
    if (header && !req.headers.has("authorization")) req.headers.set("authorization", header);
    return fetch(req);
  };
  const replay = request.clone();
  const response = await attempt(request);
  if (response.status !== 401 || getAuth()?.kind !== "admin" || request.url.includes("/auth/"))
    return response;
  refreshing ??= refreshAdmin().finally(() => {
    refreshing = null;
  });
  return (await refreshing) ? attempt(replay) : response;
}

/** The one HTTP client: typed by the API's own OpenAPI document (src/api/schema.d.ts). */
export const api = createClient<paths>({ baseUrl: "", fetch: authFetch });

/** Resolves an openapi-fetch call to its data, or throws an ApiFailure carrying code and request id. */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    if (error instanceof ApiFailure) throw error;
    throw new ApiFailure(
      0,
      "network",
      error instanceof Error ? error.message : "network error",
      undefined,
    );
  }
  if (!result.response.ok) throw toFailure(result.response, result.error);
  return result.data as T;
}
