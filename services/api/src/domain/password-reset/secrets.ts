import { createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { AppDeps } from "../../lib/context.js";

/** An OTP lives this long after it is sent (API.md: 10 minutes). */
export const OTP_TTL_MS = 10 * 60 * 1000;
/** A reset token (the answer to a correct OTP) lives this long and works once. */
export const RESET_TOKEN_TTL_MS = 15 * 60 * 1000;
/** Wrong OTPs a request survives; the last one blocks it. */
export const MAX_VERIFY_ATTEMPTS = 5;
/** Resends after the first send. */
export const MAX_RESENDS = 3;
/** Minimum gap between two sends of one request. */
export const RESEND_COOLDOWN_MS = 60 * 1000;

/** A uniformly random 6-digit code (`randomInt` rejects modulo bias). */
export const generateOtp = () => randomInt(0, 1_000_000).toString().padStart(6, "0");

/** Opaque reset token; only its keyed hash is stored. */
export const generateResetToken = () => `wpr_${randomBytes(32).toString("base64url")}`;

const keys = new WeakMap<Uint8Array, Buffer>();

/**
 * HMAC key for OTPs and reset tokens, derived from the JWT secret. A 6-digit OTP has only a
 * million values, so an unkeyed (or salted) hash in a leaked database is brute-forced in
 * milliseconds, and argon2 on every verify would be a CPU lever for little gain on a code
 * that dies in 10 minutes after 5 tries. A keyed hash is useless without the server secret;
 * the attempt limit and the expiry bound online guessing.
 */
function hashKey(deps: Pick<AppDeps, "jwtSecret">): Buffer {
  let key = keys.get(deps.jwtSecret);
  if (!key) {
    key = createHmac("sha256", deps.jwtSecret).update("wagate password reset v1").digest();
    keys.set(deps.jwtSecret, key);
  }
  return key;
}

/** Keyed hash of an OTP, bound to its request so a hash says nothing about another request. */
export const hashOtp = (deps: Pick<AppDeps, "jwtSecret">, requestId: string, otp: string) =>
  createHmac("sha256", hashKey(deps)).update(`otp:${requestId}:${otp}`).digest("hex");

export const hashResetToken = (deps: Pick<AppDeps, "jwtSecret">, token: string) =>
  createHmac("sha256", hashKey(deps)).update(`reset-token:${token}`).digest("hex");

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string | null, b: string): boolean {
  if (!a || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}
