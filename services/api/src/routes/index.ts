import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context.js";
import { accountRouter } from "./account/index.js";
import { adminViewsRouter } from "./admin/index.js";
import { adminsRouter } from "./admins/index.js";
import { analyticsRouter } from "./analytics/index.js";
import { apiKeysRouter } from "./api-keys/index.js";
import { authRouter } from "./auth/index.js";
import { broadcastsRouter } from "./broadcasts/index.js";
import { chatsRouter } from "./chats/index.js";
import { contactsRouter } from "./contacts/index.js";
import { groupsRouter } from "./groups/index.js";
import { messagesRouter } from "./messages/index.js";
import { optOutsRouter } from "./opt-outs/index.js";
import { pairingLinksRouter, pairingRouter } from "./pairing/index.js";
import { passwordResetRouter } from "./password-reset/index.js";
import { phonePrefixesRouter } from "./phone-prefixes/index.js";
import { mountQueueBoard } from "./queue-board/index.js";
import { sessionsRouter } from "./sessions/index.js";
import { usersRouter } from "./users/index.js";
import { webhooksRouter } from "./webhooks/index.js";

/**
 * Mounts every resource under /api/v1. One line per resource folder; each folder's
 * index.ts mounts its own operations.
 */
export function mountRoutes(app: OpenAPIHono<AppEnv>): void {
  app.route("/api/v1/auth", authRouter());
  app.route("/api/v1/auth/password-reset", passwordResetRouter());
  app.route("/api/v1/admins", adminsRouter());
  app.route("/api/v1/users", usersRouter());
  app.route("/api/v1/users", pairingLinksRouter());
  app.route("/api/v1/pairing", pairingRouter());
  app.route("/api/v1/admin", adminViewsRouter());
  app.route("/api/v1/account", accountRouter());
  app.route("/api/v1/api-keys", apiKeysRouter());
  app.route("/api/v1/analytics", analyticsRouter());
  app.route("/api/v1/webhooks", webhooksRouter());
  app.route("/api/v1/sessions", sessionsRouter());
  app.route("/api/v1/messages", messagesRouter());
  app.route("/api/v1/contacts", contactsRouter());
  app.route("/api/v1/chats", chatsRouter());
  app.route("/api/v1/groups", groupsRouter());
  app.route("/api/v1/phone-prefixes", phonePrefixesRouter());
  app.route("/api/v1/opt-outs", optOutsRouter());
  app.route("/api/v1/broadcasts", broadcastsRouter());
  mountQueueBoard(app);
}
