import { messages } from "@wagate/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";
import { createApp } from "../../app.js";
import { MAX_INLINE_MEDIA_BYTES } from "../../domain/messages/media.js";
import { accountWithSession, postJson } from "./test-helpers.js";

const t = useTestApp({ MAX_BODY_BYTES: String(24 * 1024 * 1024) });
const TO = "+213661234567";
const PNG_1x1 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

describe("POST /messages/send-media", () => {
  it("accepts inline base64 media; the answer describes it without echoing the data", async () => {
    const a = await accountWithSession(t);
    const res = await postJson(t, "/api/v1/messages/send-media", a.headers, {
      to: TO,
      media: { base64: PNG_1x1, mime_type: "image/png", filename: "dot.png" },
      caption: "a dot",
    });
    expect(res.status).toBe(202);
    const body = await readBody(res);
    expect(body).toMatchObject({
      type: "image",
      text: "a dot",
      status: "queued",
      media: { url: null, mime_type: "image/png", filename: "dot.png", size: 70 },
    });
    expect(JSON.stringify(body)).not.toContain(PNG_1x1);
    const [row] = await t.deps.db.select().from(messages).where(eq(messages.id, body.id));
    expect(row?.media?.base64).toBe(PNG_1x1);
  });

  it("accepts a media URL (checked at accept time, fetched by the worker)", async () => {
    const a = await accountWithSession(t);
    const res = await postJson(t, "/api/v1/messages/send-media", a.headers, {
      to: TO,
      media: { url: "http://127.0.0.1:9/files/report.pdf" },
    });
    expect(res.status).toBe(202);
    expect(await readBody(res)).toMatchObject({
      type: "document",
      media: { url: "http://127.0.0.1:9/files/report.pdf", mime_type: null, size: null },
    });
  });

  it("refuses bad media with 422 naming the field", async () => {
    const a = await accountWithSession(t);
    const cases: Array<[unknown, string]> = [
      [{ base64: "not base64!", mime_type: "image/png" }, "media.base64"],
      [{ base64: PNG_1x1, mime_type: "application/x-msdownload" }, "media.mime_type"],
      [{ url: "ftp://example.com/a.png" }, "media.url"],
      [{ url: "http://127.0.0.1/a.png", base64: PNG_1x1 }, "media"],
    ];
    for (const [media, field] of cases) {
      const res = await postJson(t, "/api/v1/messages/send-media", a.headers, { to: TO, media });
      expect(res.status, JSON.stringify(media)).toBe(422);
      expect((await readBody(res)).error.details.fields[0].path).toBe(field);
    }
  });

  it("refuses inline media larger than 16 MiB decoded", async () => {
    const a = await accountWithSession(t);
    const base64 = "A".repeat(Math.ceil(((MAX_INLINE_MEDIA_BYTES + 3) * 4) / 3 / 4) * 4);
    const res = await postJson(t, "/api/v1/messages/send-media", a.headers, {
      to: TO,
      media: { base64, mime_type: "video/mp4" },
    });
    expect(res.status).toBe(422);
    expect((await readBody(res)).error.details.fields[0].path).toBe("media.base64");
  });

  it("refuses a URL on a private address unless WEBHOOK_ALLOW_PRIVATE", async () => {
    const a = await accountWithSession(t);
    const strict = createApp({ ...t.deps, env: { ...t.deps.env, WEBHOOK_ALLOW_PRIVATE: false } });
    for (const url of [
      "http://127.0.0.1/a.png",
      "http://169.254.169.254/latest",
      "http://[::1]/x",
    ]) {
      const res = await strict.request("/api/v1/messages/send-media", {
        method: "POST",
        headers: a.headers,
        body: JSON.stringify({ to: TO, media: { url } }),
      });
      expect(res.status, url).toBe(422);
      expect((await readBody(res)).error.details.fields[0].path).toBe("media.url");
    }
  });
});
