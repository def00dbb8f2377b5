import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { KeyMode } from "@wagate/contracts";

/**
 * Raw key: `wag_<mode>_<43 chars base64url of 32 random bytes><6 chars checksum>`.
 * The checksum (first 4 bytes of SHA-256-HMAC with a public constant, base64url) lets a
 * secret scanner recognise a wagate key offline and lets verification reject a mistyped or
 * made-up key before touching any cache or database.
 */
const KEY_PATTERN = /^wag_(live|test)_([A-Za-z0-9_-]{43})([A-Za-z0-9_-]{6})$/;
const CHECKSUM_SALT = "wagate-key-checksum-v1";

const checksum = (body: string) =>
  createHmac("sha256", CHECKSUM_SALT)
    .update(body)
    .digest()
    .subarray(0, 4)
    .toString("base64url")
    .slice(0, 6);

export interface GeneratedApiKey {
  /** Shown once, in the create answer; never stored. */
  raw: string;
  /** Display prefix stored and shown in lists: `wag_live_AbCd1234`. */
  prefix: string;
  /** Keyed hash stored under a unique index. */
  hash: string;
}

/** Keyed hash (HMAC-SHA-256 with the server secret): fast, and useless without the secret. */
export const hashApiKey = (raw: string, secret: Buffer): string =>
  createHmac("sha256", secret).update(raw).digest("base64url");

export function generateApiKey(mode: KeyMode, secret: Buffer): GeneratedApiKey {
  const random = randomBytes(32).toString("base64url");
  const body = `wag_${mode}_${random}`;
  const raw = `${body}${checksum(body)}`;
  return { raw, prefix: `wag_${mode}_${random.slice(0, 8)}`, hash: hashApiKey(raw, secret) };
}

/** Parses a raw key's shape and checksum; null when it cannot be a wagate key. */
export function parseApiKey(raw: string): { mode: KeyMode } | null {
  const match = KEY_PATTERN.exec(raw);
  if (!match) return null;
  const body = `wag_${match[1]}_${match[2]}`;
  const expected = Buffer.from(checksum(body));
  const given = Buffer.from(match[3]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return { mode: match[1] as KeyMode };
}
