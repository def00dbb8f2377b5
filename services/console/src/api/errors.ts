/** An API error as the console shows it: code, message and the request id to quote. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

interface Envelope {
  error?: {
    code?: string;
    message?: string;
    request_id?: string;
    details?: Record<string, unknown>;
  };
}

/** Turns what openapi-fetch returned for a non-2xx answer into an ApiFailure. */
export function toFailure(response: Response, body: unknown): ApiFailure {
  const envelope = (body ?? {}) as Envelope;
  return new ApiFailure(
    response.status,
    envelope.error?.code ?? `http_${response.status}`,
    envelope.error?.message ?? response.statusText ?? "request failed",
    envelope.error?.request_id ?? response.headers.get("x-request-id") ?? undefined,
    envelope.error?.details,
  );
}

/** Plain-language meaning and next step for every code the API or the worker can give. */
export const ERROR_HELP: Record<string, string> = {
  validation_failed:
    "Some fields are missing or malformed. Check the highlighted values and try again.",
  unauthorized: "Your sign-in is missing, wrong or expired. Sign in again.",
  forbidden: "Your role may not do this. Ask an owner or admin.",
  not_found: "It does not exist (or belongs to someone else). It may have been deleted.",
  conflict: "It clashes with something that already exists, e.g. the same email or name.",
  account_locked:
    "Too many wrong passwords: this admin is locked for a while. Wait, or ask an owner to unlock it.",
  quota_exceeded:
    "The account's daily message quota is used up. It resets at midnight UTC, or raise the quota.",
  rate_limited: "Too many requests in a short time. Wait a few seconds and try again.",
  payload_too_large: "The request is too large (often a big media file). Send something smaller.",
  service_unavailable:
    "A dependency (database or Redis) is down. Try again shortly; tell the operator if it lasts.",
  internal: "The server hit an unexpected error. Quote the request id to the operator.",
  network: "The console could not reach the API. Check that wagate is running.",
  not_on_whatsapp: "The number has no WhatsApp account. Check the number with the recipient.",
  invalid_recipient:
    "The number is not a valid international phone number. Use +country code and number.",
  recipient_not_allowed:
    "The operator's recipient policy refuses this number (phone prefix table).",
  media_fetch_failed:
    "The media URL could not be downloaded. Check that it is public and reachable.",
  media_too_large: "The media file is larger than WhatsApp accepts. Send a smaller file.",
  media_type_not_allowed:
    "WhatsApp does not accept this kind of file. Convert it to a supported type.",
  media_refused: "WhatsApp refused the media. Try another file or format.",
  session_not_ready:
    "The WhatsApp session was not linked when sending. Link it (scan the QR) and resend.",
  session_logged_out: "The phone logged this session out. Start the session again and scan the QR.",
  send_timeout:
    "WhatsApp did not confirm the send in time. Resend; if it repeats, check the phone's connection.",
  send_failed: "WhatsApp refused the send. Resend later; if it repeats, check the session.",
  attempts_exhausted: "Every retry failed. Check the session and the number, then resend.",
};

export const explain = (code: string) =>
  ERROR_HELP[code] ?? "An unexpected error. Quote the request id to the operator.";
