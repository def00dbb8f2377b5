import { parsePhoneNumberFromString } from "libphonenumber-js";

export type NormalizedPhone =
  | { ok: true; e164: string; country: string | null }
  | { ok: false; reason: string };

/**
 * Normalises a number written in international form to E.164. Spaces, dashes, dots and
 * parentheses are tolerated, and a leading `00` reads as `+`. National forms (no country
 * code) are refused: the API has no default country to guess from.
 */
export function normalizePhone(input: string): NormalizedPhone {
  // A bounded memo: a send parses its recipient twice, and busy senders repeat recipients.
  // Only phone-sized inputs are kept, so 2,000 entries stay a few hundred KiB whatever
  // a client sends (a broadcast row, an unbounded field).
  if (input.length > MEMO_MAX_INPUT) return parse(input);
  const known = recent.get(input);
  if (known) return known;
  const result = parse(input);
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(input, result);
  return result;
}

const RECENT_MAX = 2000;
const MEMO_MAX_INPUT = 40;
const recent = new Map<string, NormalizedPhone>();

function parse(input: string): NormalizedPhone {
  let text = input.trim().replace(/[\s\-.()]/g, "");
  if (text.startsWith("00")) text = `+${text.slice(2)}`;
  if (!/^\+[0-9]{6,17}$/.test(text)) {
    return {
      ok: false,
      reason: "must be a phone number in international form, e.g. +213661234567",
    };
  }
  const parsed = parsePhoneNumberFromString(text);
  if (!parsed?.isValid()) {
    return { ok: false, reason: "is not a valid phone number" };
  }
  return { ok: true, e164: parsed.number, country: parsed.country ?? null };
}
