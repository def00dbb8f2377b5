import { createHash, randomBytes } from "node:crypto";

const TOKEN_PREFIX = "wpl_";
/** `wpl_` + base64url of 32 random bytes (43 characters). */
const TOKEN_PATTERN = /^wpl_[A-Za-z0-9_-]{43}$/;

/** A new raw pairing token; only its hash is stored. */
export const generatePairingToken = () => `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;

/**
 * Hex SHA-256 of the raw token. A plain hash is enough: the token carries 256 random bits,
 * so a leaked hash cannot be walked back to it.
 */
export const hashPairingToken = (raw: string) => createHash("sha256").update(raw).digest("hex");

/** Anything else is refused before it reaches the database. */
export const isPairingTokenShaped = (raw: string) => TOKEN_PATTERN.test(raw);
