import { createHash } from "node:crypto";

/** How long an `Idempotency-Key` holds: a reuse after this creates a new message. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * Fingerprint of a send request, compared when an `Idempotency-Key` is reused: the
 * normalised input (so `+213 661…` and `+213661…` are the same request), key order ignored.
 */
export const requestFingerprint = (input: unknown): string =>
  createHash("sha256")
    .update(JSON.stringify(canonical(input)))
    .digest("base64url");

/** `Idempotency-Key` values: printable ASCII, 1–255 characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
