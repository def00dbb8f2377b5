/**
 * Who is signed in. Kept in sessionStorage only: it dies with the tab, is never put in a
 * URL, and no cookie carries it. An admin holds a token pair (rotated silently on 401); an
 * account holds its API key.
 */
export type AdminRole = "owner" | "admin" | "viewer";

export type Auth =
  | {
      kind: "admin";
      accessToken: string;
      refreshToken: string;
      admin: { id: string; email: string; role: AdminRole };
    }
  | { kind: "account"; apiKey: string };

const STORAGE_KEY = "wagate.console.auth";
const listeners = new Set<() => void>();

let current: Auth | null = read();

function read(): Auth | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Auth) : null;
  } catch {
    return null;
  }
}

export const getAuth = () => current;

export function setAuth(next: Auth | null) {
  current = next;
  if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener();
}

export function subscribeAuth(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** True when the signed-in admin may write (owner/admin); viewers only read. */
export const canWrite = (auth: Auth | null) =>
  auth?.kind === "admin" && auth.admin.role !== "viewer";

export function authorizationHeader(auth: Auth | null): string | undefined {
  if (!auth) return undefined;
  return auth.kind === "admin" ? `Bearer ${auth.accessToken}` : `ApiKey ${auth.apiKey}`;
}
