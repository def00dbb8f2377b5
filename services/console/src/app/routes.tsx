import type { ReactNode } from "react";
import { AccountDetailPage } from "../pages/account-detail/account-detail-page.js";
import { AccountsPage } from "../pages/accounts/accounts-page.js";
import { AdminMessagePage } from "../pages/admin-message/admin-message-page.js";
import { AdminsPage } from "../pages/admins/admins-page.js";
import { AnalyticsPage } from "../pages/analytics/analytics-page.js";
import { ApiKeysPage } from "../pages/api-keys/api-keys-page.js";
import { BroadcastPage } from "../pages/broadcast/broadcast-page.js";
import { BroadcastsPage } from "../pages/broadcasts/broadcasts-page.js";
import { ChangePasswordPage } from "../pages/change-password/change-password-page.js";
import { ConsentPage } from "../pages/consent/consent-page.js";
import { EventsPage } from "../pages/events/events-page.js";
import { HomePage } from "../pages/home/home-page.js";
import { MessagePage } from "../pages/message/message-page.js";
import { MessagesPage } from "../pages/messages/messages-page.js";
import { MyMessagesPage } from "../pages/my-messages/my-messages-page.js";
import { MySessionsPage } from "../pages/my-sessions/my-sessions-page.js";
import { OptOutsPage } from "../pages/opt-outs/opt-outs-page.js";
import { OverviewPage } from "../pages/overview/overview-page.js";
import { PairPage } from "../pages/pair/pair-page.js";
import { PrefixesPage } from "../pages/prefixes/prefixes-page.js";
import { SessionsPage } from "../pages/sessions/sessions-page.js";
import { WebhooksPage } from "../pages/webhooks/webhooks-page.js";

export type Render = (params: Record<string, string>) => ReactNode;

/** Admin pages by path pattern (below /console). */
export const ADMIN_ROUTES: [string, Render][] = [
  ["/overview", () => <OverviewPage />],
  ["/accounts", () => <AccountsPage />],
  ["/accounts/:id", (p) => <AccountDetailPage id={p.id ?? ""} />],
  ["/keys", () => <ApiKeysPage />],
  ["/sessions", () => <SessionsPage />],
  ["/messages", () => <MessagesPage />],
  ["/messages/:id", (p) => <AdminMessagePage id={p.id ?? ""} />],
  ["/events", () => <EventsPage />],
  ["/analytics", () => <AnalyticsPage />],
  ["/admins", () => <AdminsPage />],
  ["/prefixes", () => <PrefixesPage />],
  ["/password", () => <ChangePasswordPage />],
];

/** Business (API key) pages by path pattern. */
export const ACCOUNT_ROUTES: [string, Render][] = [
  ["/home", () => <HomePage />],
  ["/my/sessions", () => <MySessionsPage />],
  ["/my/messages", () => <MyMessagesPage />],
  ["/my/messages/:id", (p) => <MessagePage id={p.id ?? ""} />],
  ["/my/broadcasts", () => <BroadcastsPage />],
  ["/my/broadcasts/:id", (p) => <BroadcastPage id={p.id ?? ""} />],
  ["/my/opt-outs", () => <OptOutsPage />],
  ["/my/consent", () => <ConsentPage />],
  ["/my/webhooks", () => <WebhooksPage />],
];

/** Pages that need no sign-in. */
export const PUBLIC_ROUTES: [string, Render][] = [
  ["/pair/:token", (p) => <PairPage token={p.token ?? ""} />],
];
