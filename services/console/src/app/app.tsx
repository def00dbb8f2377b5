import { useEffect, useSyncExternalStore } from "react";
import { getAuth, subscribeAuth } from "../api/auth.js";
import { match, navigate, useLocation } from "../lib/router.js";
import { SignInPage } from "../pages/sign-in/sign-in-page.js";
import { Layout } from "./layout.js";
import { ACCOUNT_ROUTES, ADMIN_ROUTES, PUBLIC_ROUTES, type Render } from "./routes.js";

function find(routes: [string, Render][], path: string) {
  for (const [pattern, render] of routes) {
    const params = match(pattern, path);
    if (params) return { params, render };
  }
  return null;
}

/** Picks the page for the URL and who is signed in; signed-out visitors see the sign-in page. */
export function App() {
  const auth = useSyncExternalStore(subscribeAuth, getAuth);
  const { path } = useLocation();
  const publicPage = find(PUBLIC_ROUTES, path);
  const routes =
    auth?.kind === "admin" ? ADMIN_ROUTES : auth?.kind === "account" ? ACCOUNT_ROUTES : [];
  const page = find(routes, path);
  const home = auth?.kind === "admin" ? "/overview" : "/home";
  const lost = Boolean(auth && !publicPage && !page);

  useEffect(() => {
    if (lost) navigate(home, { replace: true });
  }, [lost, home]);
  useEffect(() => {
    const section = path.split("/")[1] || "console";
    document.title = publicPage || auth ? `${section} · wagate` : "Sign in · wagate";
  }, [auth, path, publicPage]);

  if (publicPage) return publicPage.render(publicPage.params);
  if (!auth) return <SignInPage />;
  if (!page) return null;
  return <Layout auth={auth}>{page.render(page.params)}</Layout>;
}
