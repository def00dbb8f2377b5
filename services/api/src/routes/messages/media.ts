import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { createMediaStore, type MediaStore } from "@wagate/core";
import { getMessage } from "../../domain/messages/query.js";
import type { AppDeps, AppEnv } from "../../lib/context.js";
import { ApiError } from "../../lib/errors.js";
import { API_KEY_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { messageIdParam } from "./schema.js";

const route = createRoute({
  method: "get",
  path: "/{id}/media",
  tags: ["Messages"],
  summary: "The stored media of an inbound message",
  description:
    "Scope `messages:read`. The bytes the worker downloaded, with their `Content-Type`. " +
    "404 `not_found` for another account's message (or one of the other key mode), and for a " +
    "message with no stored media: `details.reason` is `no_media`, `pending` (still being " +
    "downloaded, retried a few times with backoff on a passing failure), `too_large` (above " +
    "`INBOUND_MEDIA_MAX_BYTES`) or `failed` (final: the download kept failing; `details.attempts` " +
    "says how often it was tried).",
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: { params: messageIdParam },
  responses: {
    200: {
      description: "The media bytes",
      content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...pickErrors(401, 403, 404, 429),
  },
});

/** The store `MEDIA_STORAGE` selects, made once per deps. */
const stores = new WeakMap<AppDeps, MediaStore>();
export function mediaStoreFor(deps: AppDeps): MediaStore {
  if (deps.mediaStore) return deps.mediaStore;
  let store = stores.get(deps);
  if (!store) {
    store = createMediaStore(deps.db, deps.env);
    stores.set(deps, store);
  }
  return store;
}

/** A filename safe inside a quoted `Content-Disposition` (ASCII, no quotes, slashes or controls). */
export function safeFilename(name: string | null, fallback: string): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  const clean = base
    .replace(/[^\x20-\x7e]/g, "_")
    .replace(/["\\;]/g, "_")
    .trim()
    .slice(0, 150);
  return clean && clean !== "." && clean !== ".." ? clean : fallback;
}

const noMedia = (reason: string) =>
  new ApiError("not_found", "this message has no stored media", { details: { reason } });

export function registerGetMessageMedia(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const { row } = await getMessage(deps.db, c.get("account"), c.req.valid("param").id);
    const media = row.media;
    if (!media || row.direction !== "inbound") throw noMedia("no_media");
    if (media.status === "failed") {
      // Visible and final: the worker retried (`attempts`) and gave up; it will not try again.
      throw new ApiError(
        "not_found",
        "the media of this message could not be downloaded from WhatsApp; it will not be tried again",
        {
          details: {
            reason: "failed",
            ...(media.attempts !== undefined ? { attempts: media.attempts } : {}),
          },
        },
      );
    }
    if (media.status !== "stored") throw noMedia(media.status ?? "no_media");
    const stored = await mediaStoreFor(deps).get(row.id);
    if (!stored) throw noMedia("no_media");
    const filename = safeFilename(stored.filename, row.id);
    return c.body(new Uint8Array(stored.data), 200, {
      "Content-Type": stored.mimeType || "application/octet-stream",
      "Content-Length": String(stored.data.length),
      "Content-Disposition": `attachment; filename="${filename}"`,
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "private",
    }) as never;
  });
}
