import { sessionQrKey } from "@wagate/contracts";
import type { AppDeps } from "../../lib/context.js";
import { ConflictError } from "../errors.js";
import type { SessionRow } from "./find.js";

export interface CurrentQr {
  /** The raw pairing string WhatsApp encodes in the QR. */
  qr: string;
  /** RFC 3339; null when the worker did not say. */
  expires_at: string | null;
}

/** The QR the worker last published for this session, or null (none, unreadable or expired). */
export async function readCurrentQr(deps: AppDeps, sessionId: string): Promise<CurrentQr | null> {
  const raw = await deps.redis.get(sessionQrKey(deps.redisPrefix, sessionId));
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as { qr?: unknown; expires_at?: unknown };
    if (typeof parsed.qr !== "string" || parsed.qr.length === 0) return null;
    const expiresAt = typeof parsed.expires_at === "string" ? parsed.expires_at : null;
    if (expiresAt && Date.parse(expiresAt) <= deps.now().getTime()) return null;
    return { qr: parsed.qr, expires_at: expiresAt };
  } catch {
    return null;
  }
}

/** The current QR of a session waiting for a scan; 409 `conflict` when it is not waiting. */
export async function requireCurrentQr(deps: AppDeps, session: SessionRow): Promise<CurrentQr> {
  const current = session.status === "qr" ? await readCurrentQr(deps, session.id) : null;
  if (!current) {
    throw new ConflictError(
      `session "${session.name}" is not waiting for a QR scan (status ${session.status})`,
      {
        status: session.status,
      },
    );
  }
  return current;
}

/** `qrcode` is loaded when a QR is first drawn, not at start-up (idle memory). */
const loadQrCode = () => import("qrcode").then((m) => m.default);

export const qrPng = async (qr: string): Promise<Buffer> =>
  (await loadQrCode()).toBuffer(qr, {
    type: "png",
    errorCorrectionLevel: "M",
    margin: 2,
    width: 320,
  });

export const qrDataUrl = async (qr: string): Promise<string> =>
  (await loadQrCode()).toDataURL(qr, { errorCorrectionLevel: "M", margin: 2, width: 320 });
