import type { ApiKeyScope } from "@wagate/contracts";
import type { MiddlewareHandler } from "hono";
import { verifyApiKey } from "../domain/api-keys/verify.js";
import { type DeferredRateLimit, getApiKeyLimiter } from "../domain/limits/admission.js";
import type { AppEnv } from "../lib/context.js";
import { ApiError } from "../lib/errors.js";
import { getApiMetrics } from "../lib/metrics.js";
import { limitApiKey } from "./rate-limit.js";

/** One message for every refusal, so a caller cannot tell a revoked key from a made-up one. */
const REFUSED = "missing or invalid API key";

/** Longest header value we even look at; real keys are ~60 characters. */
const MAX_KEY_LENGTH = 200;

type Presented = { key: string } | { refusal: "missing" | "bearer" | "malformed" };

/** `Authorization: ApiKey <key>` or `X-API-Key: <key>`; a Bearer token is never a key. */
function presentedKey(authorization: string | undefined, header: string | undefined): Presented {
  if (authorization) {
    const space = authorization.indexOf(" ");
    const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase();
    const value = space === -1 ? "" : authorization.slice(space + 1).trim();
    if (scheme === "bearer") return { refusal: "bearer" };
    if (scheme !== "apikey" || !value || value.length > MAX_KEY_LENGTH) {
      return { refusal: "malformed" };
    }
    return { key: value };
  }
  const raw = header?.trim();
  if (!raw) return { refusal: "missing" };
  if (raw.length > MAX_KEY_LENGTH) return { refusal: "malformed" };
  return { key: raw };
}

/**
 * Authenticates an account by API key, sets `c.var.account`, checks `scope` (403
 * `forbidden`), then applies the per-key rate limit (429 `rate_limited`). Every refusal of
 * the credential itself is the same 401 `unauthorized`; the reason only goes to
 * `wagate_auth_failures_total{kind="api_key"}`.
 *
 * `deferRateLimit` (send routes, through `requireSender`): the rate limit point is left in
 * `c.var.rateLimit` for the send to take together with its quota unit in one Redis round
 * trip; a request that ends without taking it (a validation error, a replay, a 404) counts
 * it when it ends, and answers 429 instead if that puts the key over its limit. A key
 * already refused in this window is refused at once, without a round trip.
 */
export function requireAccount(
  scope?: ApiKeyScope,
  options: { deferRateLimit?: boolean } = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const deps = c.get("deps");
    const metrics = getApiMetrics(deps.registry);
    const refuse = (reason: string) => {
      metrics.authFailures.inc({ kind: "api_key", reason });
      return new ApiError("unauthorized", REFUSED, {
        headers: { "WWW-Authenticate": 'ApiKey realm="wagate"' },
      });
    };
    const presented = presentedKey(c.req.header("authorization"), c.req.header("x-api-key"));
    if ("refusal" in presented) throw refuse(presented.refusal);
    const verified = await verifyApiKey(deps, presented.key);
    if (!verified.ok) throw refuse(verified.reason);
    c.set("account", verified.principal);
    if (scope && !verified.principal.scopes.includes(scope)) {
      metrics.authFailures.inc({ kind: "api_key", reason: "scope" });
      throw new ApiError("forbidden", `this API key lacks the "${scope}" scope`);
    }
    if (!options.deferRateLimit) {
      await limitApiKey(deps, verified.principal.keyId);
      await next();
      return;
    }
    getApiKeyLimiter(deps).refuseIfBlocked(verified.principal.keyId);
    const rateLimit: DeferredRateLimit = { keyId: verified.principal.keyId, settled: false };
    c.set("rateLimit", rateLimit);
    await next();
    if (!rateLimit.settled) {
      rateLimit.settled = true;
      await limitApiKey(deps, rateLimit.keyId);
    }
  };
}

/**
 * Send routes: an account key with the `messages:send` scope, its rate limit point taken
 * with the quota unit by the accept path (one Redis round trip for both).
 */
export const requireSender = (): MiddlewareHandler<AppEnv> =>
  requireAccount("messages:send", { deferRateLimit: true });
