import { SignJWT } from "jose";
import { expect } from "vitest";
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_TYP,
  TOKEN_ISSUER,
} from "../src/domain/auth/tokens.js";
import { adminHeaders, seedAccount, seedAdmin, type TestApp } from "./harness.js";

export interface AdminRouteCase {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Full path, e.g. `/api/v1/admins` or `/api/v1/users/usr_...`. */
  path: string;
  /** JSON body sent with every probe (a valid one, so only the credentials differ). */
  body?: unknown;
  /** A write route: a `viewer` must get 403 `forbidden`. Reads must let a viewer through. */
  write: boolean;
}

interface Fixtures {
  adminId: string;
  adminEmail: string;
  apiKey: string;
  viewer: Record<string, string>;
  refreshToken: string;
}

const fixtures = new WeakMap<TestApp, Promise<Fixtures>>();

function fixturesFor(t: TestApp): Promise<Fixtures> {
  let found = fixtures.get(t);
  if (!found) {
    found = (async () => {
      const admin = await seedAdmin(t, "owner");
      const account = await seedAccount(t);
      const viewer = await adminHeaders(t, "viewer");
      return {
        adminId: admin.id,
        adminEmail: admin.email,
        apiKey: account.rawKey,
        viewer: viewer.headers,
        refreshToken: viewer.tokens.refresh_token,
      };
    })();
    fixtures.set(t, found);
  }
  return found;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

interface ForgeOptions {
  secret?: Uint8Array;
  alg?: "HS256" | "HS384" | "HS512";
  typ?: string;
  audience?: string;
  /** Seconds relative to the app clock. */
  issuedAt?: number;
  expiresIn?: number;
}

/** Signs an access-token-shaped JWT for a real owner, with one property changed by `options`. */
export async function forgeAccessToken(t: TestApp, options: ForgeOptions = {}): Promise<string> {
  const { adminId, adminEmail } = await fixturesFor(t);
  const now = Math.floor(t.deps.now().getTime() / 1000);
  const iat = now + (options.issuedAt ?? 0);
  return new SignJWT({ role: "owner", email: adminEmail })
    .setProtectedHeader({ alg: options.alg ?? "HS256", typ: options.typ ?? ACCESS_TOKEN_TYP })
    .setSubject(adminId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(options.audience ?? ACCESS_TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expiresIn ?? 600))
    .sign(options.secret ?? t.deps.jwtSecret);
}

/** An unsigned (`alg: none`) token with valid-looking claims. */
export async function unsignedToken(t: TestApp): Promise<string> {
  const { adminId, adminEmail } = await fixturesFor(t);
  const now = Math.floor(t.deps.now().getTime() / 1000);
  const header = b64({ alg: "none", typ: ACCESS_TOKEN_TYP });
  const payload = b64({
    sub: adminId,
    email: adminEmail,
    role: "owner",
    iss: TOKEN_ISSUER,
    aud: ACCESS_TOKEN_AUDIENCE,
    iat: now,
    exp: now + 600,
  });
  return `${header}.${payload}.`;
}

async function probe(t: TestApp, route: AdminRouteCase, headers: Record<string, string>) {
  const res = await t.app.request(route.path, {
    method: route.method,
    headers: { "content-type": "application/json", ...headers },
    ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
  });
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code, text };
}

/**
 * The security cases every admin route shares: no credentials, an API key (both headers),
 * expired / forged / `alg: none` / wrong-algorithm / wrong-type JWTs and a refresh token all
 * answer 401 `unauthorized`; a viewer gets 403 `forbidden` on writes and is let through on
 * reads. Call it inside an `it(...)`:
 *
 * ```ts
 * it("is protected", () => expectAdminRouteSecurity(t, { method: "POST", path: "/api/v1/users", body, write: true }));
 * ```
 */
export async function expectAdminRouteSecurity(t: TestApp, route: AdminRouteCase): Promise<void> {
  const f = await fixturesFor(t);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const wrongSecret = new TextEncoder().encode("x".repeat(48));
  const unauthorizedCases: Array<[string, Record<string, string>]> = [
    ["no credentials", {}],
    ["ApiKey authorization", { authorization: `ApiKey ${f.apiKey}` }],
    ["X-API-Key header", { "x-api-key": f.apiKey }],
    ["X-API-Key beside a valid bearer", { ...f.viewer, "x-api-key": f.apiKey }],
    ["API key as a bearer", bearer(f.apiKey)],
    ["refresh token as a bearer", bearer(f.refreshToken)],
    ["garbage bearer", bearer("not-a-jwt")],
    ["expired JWT", bearer(await forgeAccessToken(t, { issuedAt: -3600, expiresIn: 600 }))],
    ["JWT signed with another key", bearer(await forgeAccessToken(t, { secret: wrongSecret }))],
    ["alg:none JWT", bearer(await unsignedToken(t))],
    ["HS512 JWT", bearer(await forgeAccessToken(t, { alg: "HS512" }))],
    ["JWT of another type", bearer(await forgeAccessToken(t, { typ: "reset+jwt" }))],
    ["JWT for another audience", bearer(await forgeAccessToken(t, { audience: "wagate-reset" }))],
  ];
  for (const [name, headers] of unauthorizedCases) {
    const res = await probe(t, route, headers);
    expect({ case: name, status: res.status, code: res.code }).toEqual({
      case: name,
      status: 401,
      code: "unauthorized",
    });
  }
  const asViewer = await probe(t, route, f.viewer);
  if (route.write) {
    expect({ case: "viewer write", status: asViewer.status, code: asViewer.code }).toEqual({
      case: "viewer write",
      status: 403,
      code: "forbidden",
    });
  } else {
    expect([401, 403], `viewer read of ${route.path}: ${asViewer.text}`).not.toContain(
      asViewer.status,
    );
  }
}

/** A response body for assertions (tests check its shape with `expect`). */
// biome-ignore lint/suspicious/noExplicitAny: test assertions inspect arbitrary JSON bodies.
export const readBody = async (res: Response): Promise<any> => res.json();
