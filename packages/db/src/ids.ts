import { randomBytes } from "node:crypto";

/** ID prefixes by entity. IDs are `<prefix>_<26 chars>`: 10 chars of time, 16 of randomness. */
export const ID_PREFIXES = {
  admin: "adm",
  refreshToken: "rtk",
  loginHistory: "lgn",
  passwordReset: "prr",
  auditLog: "aud",
  user: "usr",
  apiKey: "key",
  session: "ses",
  message: "msg",
  webhook: "whk",
  webhookDelivery: "whd",
  webhookAttempt: "wha",
  usageStat: "ust",
  apiLog: "log",
  phonePrefix: "pfx",
  pairingLink: "pln",
  optOut: "opt",
  broadcast: "bct",
  contact: "ctc",
  request: "req",
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32: sorts like the numbers.

let lastTime = 0;
let lastRandom: Uint8Array = new Uint8Array(10);

function encodeTime(ms: number): string {
  let out = "";
  let n = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[n % 32] + out;
    n = Math.floor(n / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits -> 16 base32 chars.
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = "";
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

function increment(bytes: Uint8Array): Uint8Array {
  const next = Uint8Array.from(bytes);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 255) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  return next;
}

/**
 * A prefixed, time-sortable ID (ULID layout). Within one process IDs are strictly
 * increasing even inside the same millisecond, so `ORDER BY id` is creation order and a
 * stable cursor for pagination.
 */
export function newId(kind: IdKind, now: number = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = Uint8Array.from(randomBytes(10));
  }
  return `${ID_PREFIXES[kind]}_${encodeTime(lastTime)}${encodeRandom(lastRandom)}`;
}

/** The creation time encoded in an ID made by `newId`. */
export function idTime(id: string): Date {
  const body = id.slice(id.indexOf("_") + 1, id.indexOf("_") + 11);
  let ms = 0;
  for (const ch of body) ms = ms * 32 + ALPHABET.indexOf(ch);
  return new Date(ms);
}

/** Smallest ID of `kind` at or after `at`: a lower bound for range scans by time. */
export function idAtTime(kind: IdKind, at: Date): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(at.getTime())}${"0".repeat(16)}`;
}
