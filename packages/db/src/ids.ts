import { randomFillSync } from "node:crypto";

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
  // 80 bits -> 16 base32 chars, most significant first (plain numbers: BigInt was slow).
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31];
    }
  }
  return out;
}

/** Random bytes drawn 4 KiB at a time: one `randomFillSync` per ~400 ids, not one each. */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function random10(): Uint8Array {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += 10;
  return pool.slice(poolOffset - 10, poolOffset);
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
    lastRandom = random10();
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
