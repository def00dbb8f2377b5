import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { SESSION_STATUSES, type SessionStatus, sessionEventsChannel } from "@wagate/contracts";
import { markPairingLinkUsed, openPairingLink } from "../../domain/pairing/links.js";
import { qrDataUrl, readCurrentQr } from "../../domain/sessions/qr.js";
import type { AppEnv } from "../../lib/context.js";
import { pickErrors } from "../../lib/openapi.js";
import { relaySse, type SseEvent } from "../../lib/sse.js";
import { pairingTokenParams, toPairingState } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/{token}/events",
  tags: ["Pairing"],
  summary: "Live status and QR of a pairing link's session",
  description:
    "Public (token in the path). A `text/event-stream`: first `event: status` (the same object as GET /pairing/{token}) and `event: qr` (`{qr, data_url, expires_at}`) when waiting for a scan, then each change. When the session becomes `ready` the status event has `used: true` and the link is spent. `: heartbeat` every 15 s; the stream ends when the link expires.",
  security: [],
  request: { params: pairingTokenParams },
  responses: {
    200: {
      description: "Server-sent events",
      content: { "text/event-stream": { schema: z.string() } },
    },
    ...pickErrors(404, 429),
  },
});

const isStatus = (value: unknown): value is SessionStatus =>
  typeof value === "string" && (SESSION_STATUSES as readonly string[]).includes(value);

export function registerPairingEvents(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const token = c.req.valid("param").token;
    const opened = await openPairingLink(deps, token);
    let state = opened;
    const qrEvent = async (qr: string, expiresAt: string | null): Promise<SseEvent> => ({
      event: "qr",
      data: JSON.stringify({ qr, data_url: await qrDataUrl(qr), expires_at: expiresAt }),
    });
    const statusEvent = (): SseEvent => ({
      event: "status",
      data: JSON.stringify(toPairingState(state)),
    });
    return relaySse(c, {
      channel: sessionEventsChannel(deps.redisPrefix, opened.session.id),
      // An expired link shows no more QRs: the stream ends with it.
      endAfterMs: Math.max(0, opened.link.expiresAt.getTime() - deps.now().getTime()),
      initial: async (stream) => {
        await stream.writeSSE(statusEvent());
        if (state.session.status === "qr") {
          const current = await readCurrentQr(deps, state.session.id);
          if (current) await stream.writeSSE(await qrEvent(current.qr, current.expires_at));
        }
      },
      map: async (raw) => {
        let message: Record<string, unknown>;
        try {
          message = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          return [];
        }
        if (state.link.usedAt) return []; // spent: the page already saw "ready"
        if (message.type === "qr" && typeof message.qr === "string") {
          const expiresAt = typeof message.expires_at === "string" ? message.expires_at : null;
          return [await qrEvent(message.qr, expiresAt)];
        }
        if (message.type !== "status" || !isStatus(message.status)) return [];
        const phone = typeof message.phone_number === "string" ? message.phone_number : null;
        let link = state.link;
        if (message.status === "ready") {
          const now = deps.now();
          link = (await markPairingLinkUsed(deps, link.id, now)) ?? { ...link, usedAt: now };
        }
        state = {
          link,
          session: { ...state.session, status: message.status, phoneNumber: phone },
        };
        return [statusEvent()];
      },
    });
  });
}
