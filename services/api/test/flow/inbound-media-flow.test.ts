import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { directoryMediaStore, type MediaStore, postgresMediaStore } from "@wagate/core";
import { messages } from "@wagate/db";
import { SIM_PHOTO_PNG } from "@wagate/whatsapp-worker";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { safeFilename } from "../../src/routes/messages/media.js";
import { seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { eventually, type Stack, startStack } from "./stack.js";

/**
 * Inbound media end to end (issue 12) on the simulator: `send me a photo` makes the
 * recipient answer with a PNG, the worker downloads and stores it, and
 * `GET /messages/{id}/media` serves the exact bytes to its own account only; both storage
 * kinds (Postgres, a directory).
 */
const t = useTestApp();
let stack: Stack;
let account: Awaited<ReturnType<typeof seedAccount>>;
let other: Awaited<ReturnType<typeof seedAccount>>;
let dir: string;
const TO = "+213661234599";

const call = (who: typeof account, method: string, path: string, body?: unknown) =>
  t.app.request(path, {
    method,
    headers: body === undefined ? { authorization: who.headers.authorization } : who.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const api = (method: string, path: string, body?: unknown) => call(account, method, path, body);

const useStore = (store: MediaStore) => {
  stack.worker.ctx.mediaStore = store;
  t.deps.mediaStore = store;
};

/** Sends a trigger text and waits for the recipient's media answer to settle (not `pending`). */
async function inboundMediaAfter(text: string, type: string) {
  const sent = await api("POST", "/api/v1/messages/send-text", { to: TO, text });
  expect(sent.status).toBe(202);
  const hook = await eventually(
    async () =>
      stack.received.find(
        (h) =>
          h.payload.type === "message.received" &&
          h.payload.data.type === type &&
          !seen.has(String(h.payload.data.id)),
      ),
    `a ${type} message.received`,
    60_000,
  );
  const id = String(hook.payload.data.id);
  seen.add(id);
  const settled = await eventually(
    async () => {
      const m = await readBody(await api("GET", `/api/v1/messages/${id}`));
      return m.media?.status && m.media.status !== "pending" ? m : null;
    },
    `media of ${id} settled`,
    60_000,
  );
  return { hook: hook.payload.data, message: settled };
}
const seen = new Set<string>();

beforeAll(async () => {
  stack = await startStack(t, { linkDelayMs: 50 });
  account = await seedAccount(t);
  other = await seedAccount(t);
  dir = await mkdtemp(join(tmpdir(), "wagate-media-"));
  const created = await api("POST", "/api/v1/webhooks", {
    url: stack.hookUrl,
    events: ["message.received"],
  });
  expect(created.status).toBe(201);
  expect((await api("POST", "/api/v1/sessions/init")).status).toBe(202);
  await eventually(
    async () => {
      const s = await readBody(await api("GET", "/api/v1/sessions/status"));
      return s.status === "ready";
    },
    "a ready session",
    60_000,
  );
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each([
  ["postgres", () => postgresMediaStore(t.deps.db)],
  ["dir", () => directoryMediaStore(dir)],
] as const)("flow: inbound media stored in %s", (kind, makeStore) => {
  it("a photo from the recipient is served with its exact bytes and type", async () => {
    useStore(makeStore());
    const { hook, message } = await inboundMediaAfter("send me a photo", "image");
    expect(hook.media).toMatchObject({
      mime_type: "image/png",
      url: `/api/v1/messages/${hook.id}/media`,
    });
    expect(message.direction).toBe("inbound");
    expect(message.text).toBe("here is a photo");
    expect(message.media).toEqual({
      url: `/api/v1/messages/${message.id}/media`,
      mime_type: "image/png",
      filename: "photo.png",
      size: SIM_PHOTO_PNG.length,
      status: "stored",
    });
    const res = await api("GET", `/api/v1/messages/${message.id}/media`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-length")).toBe(String(SIM_PHOTO_PNG.length));
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="photo.png"');
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("private");
    expect(Buffer.from(await res.arrayBuffer()).equals(SIM_PHOTO_PNG)).toBe(true);
    if (kind === "dir") expect(await readdir(dir)).toContain(message.id);

    // Another account (and so any other caller) does not see it.
    const foreign = await call(other, "GET", `/api/v1/messages/${message.id}/media`);
    expect(foreign.status).toBe(404);
    expect((await readBody(foreign)).error.code).toBe("not_found");
  }, 150_000);

  it("a file above the cap keeps its metadata and answers 404 too_large", async () => {
    useStore(makeStore());
    const { message } = await inboundMediaAfter("send me a big file", "document");
    expect(message.media).toMatchObject({
      url: null,
      mime_type: "application/pdf",
      filename: "big file.pdf",
      size: 20 * 1024 * 1024,
      status: "too_large",
    });
    const res = await api("GET", `/api/v1/messages/${message.id}/media`);
    expect(res.status).toBe(404);
    const body = await readBody(res);
    expect(body.error.code).toBe("not_found");
    expect(body.error.details).toEqual({ reason: "too_large" });
  }, 150_000);
});

describe("GET /messages/{id}/media without media", () => {
  it("a text message answers 404 no_media; an unknown id 404", async () => {
    const sent = await readBody(
      await api("POST", "/api/v1/messages/send-text", { to: TO, text: "plain" }),
    );
    const res = await api("GET", `/api/v1/messages/${sent.id}/media`);
    expect(res.status).toBe(404);
    expect((await readBody(res)).error.details).toEqual({ reason: "no_media" });
    const unknown = await api("GET", "/api/v1/messages/msg_nope/media");
    expect(unknown.status).toBe(404);
  });

  it("media whose download kept failing answers 404 reason failed with the attempts; pending says so", async () => {
    const sent = await readBody(
      await api("POST", "/api/v1/messages/send-text", { to: TO, text: "plain again" }),
    );
    const [row] = await t.deps.db.select().from(messages).where(eq(messages.id, sent.id));
    const inboundId = `${sent.id}in`;
    const media = { url: null, mimeType: "image/jpeg", filename: "cat.jpg", size: 10 };
    await t.deps.db.insert(messages).values({
      ...row!,
      id: inboundId,
      direction: "inbound",
      waMessageId: `wa_${inboundId}`,
      media: { ...media, status: "failed", attempts: 4 },
    });
    const res = await api("GET", `/api/v1/messages/${inboundId}/media`);
    expect(res.status).toBe(404);
    const body = await readBody(res);
    expect(body.error.code).toBe("not_found");
    expect(body.error.details).toEqual({ reason: "failed", attempts: 4 });
    expect(body.error.message).toMatch(/could not be downloaded/);
    const wire = await readBody(await api("GET", `/api/v1/messages/${inboundId}`));
    expect(wire.media).toMatchObject({ status: "failed", url: null });

    await t.deps.db
      .update(messages)
      .set({ media: { ...media, url: `/api/v1/messages/${inboundId}/media`, status: "pending" } })
      .where(eq(messages.id, inboundId));
    const pending = await readBody(await api("GET", `/api/v1/messages/${inboundId}/media`));
    expect(pending.error.details).toEqual({ reason: "pending" });
  });
});

describe("safeFilename (Content-Disposition)", () => {
  it("keeps a plain name, strips paths, quotes and non-ASCII, falls back to the id", () => {
    expect(safeFilename("photo.png", "msg_1")).toBe("photo.png");
    expect(safeFilename("../../etc/passwd", "msg_1")).toBe("passwd");
    expect(safeFilename('a"b;c\\d.pdf', "msg_1")).toBe("d.pdf");
    expect(safeFilename('x"y;z.pdf', "msg_1")).toBe("x_y_z.pdf");
    expect(safeFilename("caf\u00e9\r\n.txt", "msg_1")).toBe("caf___.txt");
    expect(safeFilename("..", "msg_1")).toBe("msg_1");
    expect(safeFilename(null, "msg_1")).toBe("msg_1");
  });
});
