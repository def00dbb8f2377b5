import { createHmac } from "node:crypto";
import { ADMIN_ROLES, type AdminRole } from "@wagate/contracts";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { AdminPrincipal, AppDeps } from "../../lib/context.js";

/** JOSE header `typ` of admin access tokens (RFC 9068); other token kinds use other values. */
export const ACCESS_TOKEN_TYP = "at+jwt";
/** Audience of admin access tokens: a token minted for anything else is not an access token. */
export const ACCESS_TOKEN_AUDIENCE = "wagate-admin";
export const TOKEN_ISSUER = "wagate";
/** `typ` and audience of the queue board's cookie token (see routes/queue-board). */
export const QUEUE_BOARD_TOKEN_TYP = "wagate-queue-board+jwt";
export const QUEUE_BOARD_TOKEN_AUDIENCE = "wagate-queue-board";

type TokenDeps = Pick<AppDeps, "env" | "jwtSecret" | "now" | "redis" | "redisPrefix">;

/**
 * Key id of a signing secret: a keyed hash of the secret itself, so rotating needs no extra
 * configuration and the id says nothing about the secret.
 */
export const keyIdFor = (secret: Uint8Array): string =>
  createHmac("sha256", secret).update("wagate jwt key id").digest("base64url").slice(0, 16);

interface KeySet {
  currentKid: string;
  byKid: Map<string, Uint8Array>;
}

const keySets = new WeakMap<Uint8Array, Map<string, KeySet>>();

/**
 * The signing key (`deps.jwtSecret`, sent as `kid`) and the keys that still verify: the
 * current one plus `JWT_PREVIOUS_SECRETS`, so rotating `JWT_SECRET` logs nobody out; tokens
 * signed by a previous secret work until they expire. Built once per secret and env.
 */
export function jwtKeySet(deps: Pick<TokenDeps, "env" | "jwtSecret">): KeySet {
  const previous = deps.env.JWT_PREVIOUS_SECRETS;
  const cacheKey = previous.join("\n");
  let byPrevious = keySets.get(deps.jwtSecret);
  if (!byPrevious) {
    byPrevious = new Map();
    keySets.set(deps.jwtSecret, byPrevious);
  }
  let set = byPrevious.get(cacheKey);
  if (!set) {
    const currentKid = keyIdFor(deps.jwtSecret);
    const byKid = new Map<string, Uint8Array>();
    for (const secret of previous) {
      const key = new TextEncoder().encode(secret);
      byKid.set(keyIdFor(key), key);
    }
    byKid.set(currentKid, deps.jwtSecret);
    set = { currentKid, byKid };
    byPrevious.set(cacheKey, set);
  }
  return set;
}

/**
 * The key a token names: by `kid` among the current and previous secrets; a token without
 * `kid` (minted before key ids existed) only against the current secret; an unknown `kid`
 * gets none.
 */
function verificationKey(deps: TokenDeps, token: string): Uint8Array | undefined {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return undefined; // not a JWT at all (e.g. an API key sent as a bearer)
  }
  if (kid === undefined) return deps.jwtSecret;
  if (typeof kid !== "string") return undefined;
  return jwtKeySet(deps).byKid.get(kid);
}

/**
 * Access tokens carry a per-admin "token version" (`ver`). Changing the password, the role,
 * deactivating or deleting an admin bumps the version in Redis, and `requireAdmin` refuses
 * tokens minted under an older version, so those tokens stop working at once instead of at
 * the end of their TTL. The counter only needs to outlive the access-token TTL; if Redis
 * loses it, revocation falls back to the TTL window (tokens expire within ACCESS_TOKEN_TTL).
 */
const versionKey = (deps: Pick<AppDeps, "redisPrefix">, adminId: string) =>
  `${deps.redisPrefix}:admin-token-version:${adminId}`;

export async function currentTokenVersion(
  deps: Pick<AppDeps, "redis" | "redisPrefix">,
  adminId: string,
): Promise<number> {
  const value = await deps.redis.get(versionKey(deps, adminId));
  return value ? Number(value) : 0;
}

/** Invalidates every access token issued so far to this admin. */
export async function revokeAccessTokens(deps: TokenDeps, adminId: string): Promise<void> {
  await bumpTokenVersion(deps, deps.env.ACCESS_TOKEN_TTL_SECONDS, adminId);
}

/**
 * The revocation itself, for callers without the API's dependencies (the admin CLI): the
 * counter lives a little longer than the tokens it ends.
 */
export async function bumpTokenVersion(
  deps: Pick<AppDeps, "redis" | "redisPrefix">,
  accessTokenTtlSeconds: number,
  adminId: string,
): Promise<void> {
  const key = versionKey(deps, adminId);
  await deps.redis
    .multi()
    .incr(key)
    .expire(key, accessTokenTtlSeconds + 300)
    .exec();
}

/** The JWT kinds this API mints: each its own `typ` and audience, so none passes as another. */
const TOKEN_KINDS = {
  access: { typ: ACCESS_TOKEN_TYP, audience: ACCESS_TOKEN_AUDIENCE },
  queueBoard: { typ: QUEUE_BOARD_TOKEN_TYP, audience: QUEUE_BOARD_TOKEN_AUDIENCE },
} as const;
type TokenKind = keyof typeof TOKEN_KINDS;

async function signAdminToken(
  deps: TokenDeps,
  kind: TokenKind,
  admin: AdminPrincipal,
  expiresIn: number,
): Promise<string> {
  const iat = Math.floor(deps.now().getTime() / 1000);
  const ver = await currentTokenVersion(deps, admin.id);
  return new SignJWT({ role: admin.role, email: admin.email, ver })
    .setProtectedHeader({
      alg: "HS256",
      typ: TOKEN_KINDS[kind].typ,
      kid: jwtKeySet(deps).currentKid,
    })
    .setSubject(admin.id)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_KINDS[kind].audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + expiresIn)
    .sign(deps.jwtSecret);
}

/**
 * Verifies an admin token of `kind`: signed by the key its `kid` names (see
 * `verificationKey`), HS256 only (so `none` and every other algorithm is refused), our
 * issuer, the kind's audience and `typ`, not expired by the injected clock, and minted under
 * the admin's current token version. Returns null for any invalid token.
 */
async function verifyAdminToken(
  deps: TokenDeps,
  kind: TokenKind,
  token: string,
): Promise<AdminPrincipal | null> {
  try {
    const key = verificationKey(deps, token);
    if (!key) return null;
    const { payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_KINDS[kind].audience,
      typ: TOKEN_KINDS[kind].typ,
      currentDate: deps.now(),
      requiredClaims: ["sub", "iat", "exp", "role", "email"],
    });
    const role = payload.role as AdminRole;
    if (
      typeof payload.sub !== "string" ||
      typeof payload.email !== "string" ||
      !ADMIN_ROLES.includes(role)
    ) {
      return null;
    }
    const ver = typeof payload.ver === "number" ? payload.ver : 0;
    if (ver < (await currentTokenVersion(deps, payload.sub))) return null;
    return { id: payload.sub, email: payload.email, role };
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return null;
    throw error;
  }
}

/** Signs a short-lived HS256 access token for `admin`. */
export async function signAccessToken(
  deps: TokenDeps,
  admin: AdminPrincipal,
): Promise<{ token: string; expiresIn: number }> {
  const expiresIn = deps.env.ACCESS_TOKEN_TTL_SECONDS;
  return { token: await signAdminToken(deps, "access", admin, expiresIn), expiresIn };
}

/** Verifies an access token (see `verifyAdminToken`); null for any invalid token. */
export const verifyAccessToken = (deps: TokenDeps, token: string) =>
  verifyAdminToken(deps, "access", token);

/**
 * Signs the queue board's cookie token for `admin`: lives as long as an access token at most
 * (and 15 minutes at most), and is revoked with the admin's access tokens.
 */
export async function signQueueBoardToken(
  deps: TokenDeps,
  admin: AdminPrincipal,
): Promise<{ token: string; expiresIn: number }> {
  const expiresIn = Math.min(deps.env.ACCESS_TOKEN_TTL_SECONDS, 900);
  return { token: await signAdminToken(deps, "queueBoard", admin, expiresIn), expiresIn };
}

/** Verifies a queue board cookie token; null for any invalid one (an access token included). */
export const verifyQueueBoardToken = (deps: TokenDeps, token: string) =>
  verifyAdminToken(deps, "queueBoard", token);
