import { messages } from "@wagate/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";
import { accountWithSession, postJson } from "./test-helpers.js";

const t = useTestApp();
const TO = "+213661234567";
const GROUP = "120363025246125486@g.us";
const OGG = Buffer.from("OggS fake voice note bytes").toString("base64");
const PNG_1x1 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/** One valid body per new send route, and the type and content it becomes. */
const KINDS = [
  {
    path: "send-location",
    body: { to: TO, latitude: 36.7538, longitude: 3.0588, name: "Office", address: "Algiers" },
    expect: {
      type: "location",
      location: { latitude: 36.7538, longitude: 3.0588, name: "Office", address: "Algiers" },
    },
  },
  {
    path: "send-contact",
    body: { to: TO, contacts: [{ name: "Amina", phones: ["+213 661 23 45 68"] }] },
    expect: {
      type: "contact",
      contacts: [{ name: "Amina", phones: ["+213661234568"], email: null, organization: null }],
    },
  },
  {
    path: "send-poll",
    body: { to: TO, question: "Lunch?", options: ["Yes", "No"], multiple_answers: true },
    expect: {
      type: "poll",
      text: "Lunch?",
      poll: { question: "Lunch?", options: ["Yes", "No"], multiple_answers: true, votes: [] },
    },
  },
] as const;

describe("rich send routes: accepted like send-text", () => {
  for (const kind of KINDS) {
    it(`${kind.path}: 202 with its content, a row, quota headers; same Idempotency-Key replays`, async () => {
      const a = await accountWithSession(t);
      const key = { "idempotency-key": `k-${kind.path}` };
      const res = await postJson(t, `/api/v1/messages/${kind.path}`, a.headers, kind.body, key);
      const body = await readBody(res);
      expect(res.status, JSON.stringify(body)).toBe(202);
      expect(body).toMatchObject({ ...kind.expect, status: "queued", to: TO });
      expect(res.headers.get("ratelimit-remaining")).toBe("999");
      const [row] = await t.deps.db.select().from(messages).where(eq(messages.id, body.id));
      expect(row?.type).toBe(kind.expect.type);
      expect(row?.payload).not.toBeNull();

      const again = await postJson(t, `/api/v1/messages/${kind.path}`, a.headers, kind.body, key);
      expect(again.status).toBe(202);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect((await readBody(again)).id).toBe(body.id);
      const other = await postJson(
        t,
        `/api/v1/messages/${kind.path}`,
        a.headers,
        { ...kind.body, to: "+213661234569" },
        key,
      );
      expect(other.status).toBe(409);
    });

    it(`${kind.path}: quota exhausted → 429; scheduled with send_at`, async () => {
      const a = await accountWithSession(t, { maxMessagesPerDay: 1 });
      const sendAt = new Date(t.deps.now().getTime() + 3600_000).toISOString();
      const first = await postJson(t, `/api/v1/messages/${kind.path}`, a.headers, {
        ...kind.body,
        send_at: sendAt,
      });
      expect(first.status).toBe(202);
      expect(await readBody(first)).toMatchObject({ status: "scheduled", send_at: sendAt });
      const over = await postJson(t, `/api/v1/messages/${kind.path}`, a.headers, kind.body);
      expect(over.status).toBe(429);
      expect((await readBody(over)).error.code).toBe("quota_exceeded");
    });
  }

  it("refuses malformed content with 4xx naming the field", async () => {
    const a = await accountWithSession(t);
    const cases: Array<[string, unknown, string]> = [
      ["send-location", { to: TO, latitude: 91, longitude: 0 }, "latitude"],
      ["send-location", { to: TO, latitude: 0 }, "longitude"],
      ["send-contact", { to: TO, contacts: [] }, "contacts"],
      [
        "send-contact",
        { to: TO, contacts: [{ name: "X", phones: ["0661"] }] },
        "contacts.0.phones.0",
      ],
      ["send-poll", { to: TO, question: "Q", options: ["only"] }, "options"],
      ["send-poll", { to: TO, question: "Q", options: Array(13).fill("x") }, "options"],
      ["send-poll", { to: TO, question: "Q", options: ["a", "a"] }, "options.1"],
      ["send-text", { to: TO, text: "hi @x", mentions: ["nope"] }, "mentions.0"],
      ["send-location", { to: "not-a-phone@g.us", latitude: 0, longitude: 0 }, "to"],
    ];
    for (const [path, body, field] of cases) {
      const res = await postJson(t, `/api/v1/messages/${path}`, a.headers, body);
      const answer = await readBody(res);
      expect([400, 422], `${path} ${JSON.stringify(body)}`).toContain(res.status);
      expect(answer.error.code).toBe("validation_failed");
      expect(JSON.stringify(answer.error.details), path).toContain(field);
    }
  });

  it("a group id is a recipient (no phone rules); mentions are kept on a text", async () => {
    const a = await accountWithSession(t);
    const group = await postJson(t, "/api/v1/messages/send-text", a.headers, {
      to: GROUP,
      text: "hello @213661234567",
      mentions: ["+213 661 23 45 67"],
    });
    const body = await readBody(group);
    expect(group.status, JSON.stringify(body)).toBe(202);
    expect(body).toMatchObject({ to: GROUP, mentions: ["+213661234567"], type: "text" });
  });

  it("media `as`: voice from audio, sticker from an image; a kind that does not fit is 422", async () => {
    const a = await accountWithSession(t);
    const voice = await postJson(t, "/api/v1/messages/send-media", a.headers, {
      to: TO,
      media: { base64: OGG, mime_type: "audio/ogg" },
      as: "voice",
    });
    expect(voice.status).toBe(202);
    expect((await readBody(voice)).type).toBe("voice");
    const sticker = await postJson(t, "/api/v1/messages/send-media", a.headers, {
      to: TO,
      media: { base64: PNG_1x1, mime_type: "image/png" },
      as: "sticker",
    });
    expect((await readBody(sticker)).type).toBe("sticker");
    const doc = await postJson(t, "/api/v1/messages/send-media", a.headers, {
      to: TO,
      media: { base64: PNG_1x1, mime_type: "image/png" },
      as: "document",
    });
    expect((await readBody(doc)).type).toBe("document");
    const wrong = await postJson(t, "/api/v1/messages/send-media", a.headers, {
      to: TO,
      media: { base64: PNG_1x1, mime_type: "image/png" },
      as: "voice",
    });
    expect(wrong.status).toBe(422);
    expect((await readBody(wrong)).error.details.fields[0].path).toBe("as");
  });
});
