import { ADMIN_ROLES, type AdminRole } from "@wagate/contracts";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { AdminPrincipal, AppDeps } from "../../lib/context.js";

/** JOSE header `typ` of admin access tokens (RFC 9068); other token kinds use other values. */
export const ACCESS_TOKEN_TYP = "at+jwt";
/** Audience of admin access tokens: a token minted for anything else is not an access token. */
export const ACCESS_TOKEN_AUDIENCE = "wagate-admin";
export const TOKEN_ISSUER = "wagate";

type TokenDeps = Pick<AppDeps, "env" | "jwtSecret" | "now" | "redis" | "redisPrefix">;

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
  const key = versionKey(deps, adminId);
  await deps.redis
    .multi()
    .incr(key)
    .expire(key, deps.env.ACCESS_TOKEN_TTL_SECONDS + 300)
    .exec();
}

/** Signs a short-lived HS256 access token for `admin`. */
export async function signAccessToken(
  deps: TokenDeps,
  admin: AdminPrincipal,
): Promise<{ token: string; expiresIn: number }> {
  const expiresIn = deps.env.ACCESS_TOKEN_TTL_SECONDS;
  const iat = Math.floor(deps.now().getTime() / 1000);
  const ver = await currentTokenVersion(deps, admin.id);
  const token = await new SignJWT({ role: admin.role, email: admin.email, ver })
    .setProtectedHeader({ alg: "HS256", typ: ACCESS_TOKEN_TYP })
    .setSubject(admin.id)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + expiresIn)
    .sign(deps.jwtSecret);
  return { token, expiresIn };
}

/**
 * Verifies an access token: HS256 only (so `none` and every other algorithm is refused),
 * our issuer, audience and `typ`, not expired by the injected clock, and minted under the
 * admin's current token version. Returns null for any invalid token.
 */
export async function verifyAccessToken(
  deps: TokenDeps,
  token: string,
): Promise<AdminPrincipal | null> {
  try {
    const { payload } = await jwtVerify(token, deps.jwtSecret, {
      algorithms: ["HS256"],
      issuer: TOKEN_ISSUER,
      audience: ACCESS_TOKEN_AUDIENCE,
      typ: ACCESS_TOKEN_TYP,
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
