/** What other workspaces (the launcher, benchmarks, flow tests) may use of the API. */
export { type App, createApp } from "./app.js";
export { apiKeySecretFor, type BaseDeps, createDeps, withApiState } from "./deps.js";
export { getApiKeyCache } from "./domain/api-keys/cache.js";
export { verifyApiKey } from "./domain/api-keys/verify.js";
export { flushBroadcastEnqueues } from "./domain/broadcasts/accept.js";
export { ensureDemoAccount } from "./domain/demo.js";
export { configureAcceptBatching, getAcceptBatcher } from "./domain/messages/group-commit.js";
export { type ApiEnv, apiEnvSchema, parseApiEnv } from "./env.js";
export type { AccountPrincipal, AdminPrincipal, AppDeps } from "./lib/context.js";
export { enforceQuota } from "./lib/quota-headers.js";
export { requireAccount, requireSender } from "./middleware/account-auth.js";
export { startBackground } from "./startup.js";
