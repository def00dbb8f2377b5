import { randomBytes } from "node:crypto";
import { decodeProtectedHeader, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { adminHeaders, useTestApp } from "../../../test/harness.js";
import { createApp } from "../../app.js";
import { parseApiEnv } from "../../env.js";
import type { AppDeps } from "../../lib/context.js";
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_TYP, keyIdFor, TOKEN_ISSUER } from "./tokens.js";

const t = useTestApp();

const newSecret = randomBytes(32).toString("hex");
const encode = (s: string) => new TextEncoder().encode(s);

/** The same database and Redis as `t`, signing with `secret` and accepting `previous`. */
function appWith(secret: string, previous: string[]) {
  const deps: AppDeps = {
    ...t.deps,
    env: { ...t.deps.env, JWT_SECRET: secret, JWT_PREVIOUS_SECRETS: previous },
    jwtSecret: encode(secret),
  };
  return createApp(deps);
}

const me = (app: ReturnType<typeof createApp>, token: string) =>
  app.request("/api/v1/auth/me", { headers: { authorization: `Bearer ${token}` } });

/** An access-token-shaped JWT for `admin` with the given header, signed with `secret`. */
async function sign(
  admin: { id: string; email: string },
  secret: Uint8Array,
  header: { kid?: string },
): Promise<string> {
  const iat = Math.floor(t.deps.now().getTime() / 1000);
  return new SignJWT({ role: "owner", email: admin.email, ver: 0 })
    .setProtectedHeader({ alg: "HS256", typ: ACCESS_TOKEN_TYP, ...header })
    .setSubject(admin.id)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 600)
    .sign(secret);
}

describe("JWT signing key rotation", () => {
  it("signs with a kid naming the current secret", async () => {
    const { tokens } = await adminHeaders(t, "owner");
    const header = decodeProtectedHeader(tokens.access_token);
    expect(header.kid).toBe(keyIdFor(t.deps.jwtSecret));
    expect(header.kid).not.toContain(t.deps.env.JWT_SECRET!.slice(0, 8));
  });

  it("keeps tokens of the previous secret valid until they expire, and signs new ones with the new kid", async () => {
    const oldSecret = t.deps.env.JWT_SECRET!;
    const { tokens } = await adminHeaders(t, "owner");
    const rotated = appWith(newSecret, [oldSecret]);

    expect((await me(rotated, tokens.access_token)).status).toBe(200);

    const list = await rotated.request("/api/v1/admins", {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(list.status).toBe(200);

    // A token minted after the rotation names the new key, and the old app (which does not
    // know the new secret) refuses it: the kid is unknown there.
    const fresh = await adminHeaders({ ...t, app: rotated }, "owner");
    expect(decodeProtectedHeader(fresh.tokens.access_token).kid).toBe(keyIdFor(encode(newSecret)));
    expect((await me(rotated, fresh.tokens.access_token)).status).toBe(200);
    expect((await me(t.app, fresh.tokens.access_token)).status).toBe(401);

    // Once the previous secret is dropped from the list, its tokens stop.
    expect((await me(appWith(newSecret, []), tokens.access_token)).status).toBe(401);

    // And with it still listed, the old token ends at its expiry like any other.
    const saved = t.clock.now;
    try {
      t.clock.now = new Date(saved.getTime() + (t.deps.env.ACCESS_TOKEN_TTL_SECONDS + 5) * 1000);
      expect((await me(rotated, tokens.access_token)).status).toBe(401);
    } finally {
      t.clock.now = saved;
    }
  });

  it("refuses an unknown kid, a forged kid, and a kid-less token of a previous secret", async () => {
    const { admin } = await adminHeaders(t, "owner");
    const oldSecret = t.deps.env.JWT_SECRET!;
    const rotated = appWith(newSecret, [oldSecret]);
    const stranger = randomBytes(32);

    const unknownKid = await sign(admin, stranger, { kid: keyIdFor(stranger) });
    expect((await me(rotated, unknownKid)).status).toBe(401);
    const body = (await (await me(rotated, unknownKid)).json()) as { error: { code: string } };
    expect(body.error.code).toBe("unauthorized");

    // A stranger's signature under a kid we know fails verification with that key.
    const forgedKid = await sign(admin, stranger, { kid: keyIdFor(encode(newSecret)) });
    expect((await me(rotated, forgedKid)).status).toBe(401);

    // The previous secret's signature under the current kid: the kid picks the key, so no.
    const crossed = await sign(admin, encode(oldSecret), { kid: keyIdFor(encode(newSecret)) });
    expect((await me(rotated, crossed)).status).toBe(401);

    // Tokens from before key ids existed carry none: only the current secret verifies them.
    const legacyCurrent = await sign(admin, encode(newSecret), {});
    expect((await me(rotated, legacyCurrent)).status).toBe(200);
    const legacyPrevious = await sign(admin, encode(oldSecret), {});
    expect((await me(rotated, legacyPrevious)).status).toBe(401);

    // Sanity: the same claims under a known kid and its own secret pass.
    const good = await sign(admin, encode(oldSecret), { kid: keyIdFor(encode(oldSecret)) });
    expect((await me(rotated, good)).status).toBe(200);
  });

  it("parses JWT_PREVIOUS_SECRETS as a comma list of 32+ character secrets", () => {
    const base = { NODE_ENV: "test", DATABASE_URL: "postgres://x@y/z", REDIS_URL: "redis://y" };
    const a = "a".repeat(32);
    const b = "b".repeat(40);
    expect(parseApiEnv({ ...base }).JWT_PREVIOUS_SECRETS).toEqual([]);
    expect(
      parseApiEnv({ ...base, JWT_PREVIOUS_SECRETS: ` ${a}, ${b} ,` }).JWT_PREVIOUS_SECRETS,
    ).toEqual([a, b]);
    expect(() => parseApiEnv({ ...base, JWT_PREVIOUS_SECRETS: `${a},short` })).toThrow(
      /JWT_PREVIOUS_SECRETS/,
    );
  });
});
