import { useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { type Auth, setAuth } from "../api/auth.js";
import { api } from "../api/client.js";
import { Link, navigate, useLocation } from "../lib/router.js";

const ADMIN_NAV = [
  ["/overview", "Overview"],
  ["/accounts", "Accounts"],
  ["/keys", "API keys"],
  ["/sessions", "Sessions"],
  ["/messages", "Messages"],
  ["/events", "Events"],
  ["/analytics", "Analytics"],
  ["/admins", "Admins"],
  ["/prefixes", "Recipient policy"],
  ["/password", "Password"],
] as const;

const ACCOUNT_NAV = [
  ["/home", "Overview"],
  ["/my/sessions", "Sessions"],
  ["/my/messages", "Messages"],
  ["/my/broadcasts", "Broadcasts"],
  ["/my/opt-outs", "Opt-outs"],
  ["/my/consent", "Consent"],
  ["/my/webhooks", "Webhooks"],
] as const;

/** The frame of every signed-in page: navigation for who is signed in, and Sign out. */
export function Layout({ auth, children }: { auth: Auth; children: ReactNode }) {
  const { path } = useLocation();
  const queryClient = useQueryClient();
  const nav = auth.kind === "admin" ? ADMIN_NAV : ACCOUNT_NAV;
  const signOut = async () => {
    if (auth.kind === "admin") {
      await api
        .POST("/api/v1/auth/logout", { body: { refresh_token: auth.refreshToken } })
        .catch(() => {});
    }
    setAuth(null);
    queryClient.clear();
    navigate("/", { replace: true });
  };
  return (
    <div className="shell">
      <header className="top">
        <span className="brand">wagate</span>
        <span className="who muted">
          {auth.kind === "admin" ? `${auth.admin.email} (${auth.admin.role})` : "business account"}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav className="nav" aria-label="Main">
        {nav.map(([to, label]) => (
          <Link
            key={to}
            to={to}
            aria-current={path === to || path.startsWith(`${to}/`) ? "page" : undefined}
          >
            {label}
          </Link>
        ))}
      </nav>
      <main className="content">{children}</main>
    </div>
  );
}
