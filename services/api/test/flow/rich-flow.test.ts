import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { eventually, type Stack, signatureValid, startStack } from "./stack.js";

/**
 * Rich messaging end to end (issue 12) on the simulator: location, contact, poll with a
 * vote, voice note, reactions both ways, edit and revoke, a group recipient, each with its
 * signed webhook.
 */
const t = useTestApp();
let stack: Stack;
let account: Awaited<ReturnType<typeof seedAccount>>;
let secret: string;
const TO = "+213661234567";

const api = (method: string, path: string, body?: unknown) =>
  t.app.request(path, {
    method,
    headers:
      body === undefined ? { authorization: account.headers.authorization } : account.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const message = async (id: string) => readBody(await api("GET", `/api/v1/messages/${id}`));
const untilStatus = (id: string, statuses: string[]) =>
  eventually(
    async () => {
      const m = await message(id);
      return statuses.includes(m.status) ? m : null;
    },
    `message ${id} in ${statuses.join("/")}`,
  );
const hook = (type: string, match: (data: Record<string, unknown>) => boolean) =>
  eventually(
    async () => stack.received.find((h) => h.payload.type === type && match(h.payload.data)),
    `a ${type} webhook`,
  );
const send = async (path: string, body: unknown) => {
  const res = await api("POST", `/api/v1/messages/${path}`, body);
  const answer = await readBody(res);
  expect(res.status, JSON.stringify(answer)).toBe(202);
  return answer;
};

beforeAll(async () => {
  stack = await startStack(t, { linkDelayMs: 50 });
  account = await seedAccount(t);
  const created = await api("POST", "/api/v1/webhooks", {
    url: stack.hookUrl,
    events: [
      "message.status",
      "message.received",
      "message.reaction",
      "message.edited",
      "message.revoked",
      "poll.vote",
      "call.received",
    ],
  });
  expect(created.status).toBe(201);
  secret = (await readBody(created)).secret;
  expect((await api("POST", "/api/v1/sessions/init")).status).toBe(202);
  await eventually(async () => {
    const s = await readBody(await api("GET", "/api/v1/sessions/status"));
    return s.status === "ready";
  }, "a ready session");
});
afterAll(async () => {
  await stack?.stop();
});

describe("flow: rich messages on the simulator", () => {
  it("location and contact cards are sent and delivered", async () => {
    const location = await send("send-location", {
      to: TO,
      latitude: 36.75,
      longitude: 3.06,
      name: "Office",
    });
    const contact = await send("send-contact", {
      to: TO,
      contacts: [{ name: "Amina", phones: ["+213661234568"], email: "a@example.com" }],
    });
    const sentLocation = await untilStatus(location.id, ["delivered", "read"]);
    expect(sentLocation.location).toMatchObject({
      latitude: 36.75,
      longitude: 3.06,
      name: "Office",
    });
    expect(sentLocation.to_lid).toBeNull();
    await untilStatus(contact.id, ["delivered", "read"]);
    expect(stack.network.sendCount(location.id)).toBe(1);
    expect(stack.network.sendCount(contact.id)).toBe(1);
    const status = await hook("message.status", (d) => d.id === location.id && d.status === "sent");
    expect(signatureValid(status, secret)).toBe(true);
    expect(status.payload.data.location).toMatchObject({ latitude: 36.75 });
  });

  it("a poll gets the recipient's vote: a poll.vote webhook and the vote on the message", async () => {
    const poll = await send("send-poll", { to: TO, question: "Lunch?", options: ["Yes", "No"] });
    const vote = await hook("poll.vote", (d) => d.message_id === poll.id);
    expect(signatureValid(vote, secret)).toBe(true);
    expect(vote.payload.data).toMatchObject({ voter: TO, options: ["Yes"] });
    expect(String(vote.payload.data.voter_lid)).toMatch(/@lid$/);
    const stored = await eventually(async () => {
      const m = await message(poll.id);
      return m.poll.votes.length ? m : null;
    }, "the vote on the poll");
    expect(stored.poll.votes[0]).toMatchObject({ voter: TO, options: ["Yes"] });
  });

  it("a voice note is sent as type voice", async () => {
    const voice = await send("send-media", {
      to: TO,
      media: { base64: Buffer.from("OggS voice").toString("base64"), mime_type: "audio/ogg" },
      as: "voice",
    });
    const sent = await untilStatus(voice.id, ["sent", "delivered", "read"]);
    expect(sent.type).toBe("voice");
  });

  it("reactions both ways, then edit and revoke with their events; history kept", async () => {
    const text = await send("send-text", { to: TO, text: "react 🎉" });
    // The simulated recipient reacts to it.
    const inbound = await hook("message.reaction", (d) => d.message_id === text.id && !d.by_me);
    expect(inbound.payload.data).toMatchObject({ emoji: "🎉", from: TO, removed: false });
    expect(String(inbound.payload.data.from_lid)).toMatch(/@lid$/);
    expect(signatureValid(inbound, secret)).toBe(true);

    const ours = await api("POST", `/api/v1/messages/${text.id}/reaction`, { emoji: "👍" });
    const reacted = await readBody(ours);
    expect(ours.status, JSON.stringify(reacted)).toBe(200);
    expect(reacted.reactions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ emoji: "🎉", from: TO, by_me: false }),
        expect.objectContaining({ emoji: "👍", by_me: true }),
      ]),
    );
    await hook("message.reaction", (d) => d.message_id === text.id && d.by_me === true);
    const removed = await readBody(
      await api("POST", `/api/v1/messages/${text.id}/reaction`, { emoji: "" }),
    );
    expect(removed.reactions.filter((r: { by_me: boolean }) => r.by_me)).toEqual([]);

    const edit = await api("PATCH", `/api/v1/messages/${text.id}`, { text: "edited text" });
    const edited = await readBody(edit);
    expect(edit.status, JSON.stringify(edited)).toBe(200);
    expect(edited.text).toBe("react 🎉");
    expect(edited.edits).toEqual([expect.objectContaining({ text: "edited text" })]);
    const editedHook = await hook("message.edited", (d) => d.id === text.id);
    expect(signatureValid(editedHook, secret)).toBe(true);

    const revoke = await api("POST", `/api/v1/messages/${text.id}/revoke`);
    const revoked = await readBody(revoke);
    expect(revoke.status, JSON.stringify(revoked)).toBe(200);
    expect(revoked.revoked_at).not.toBeNull();
    expect(revoked.text).toBe("react 🎉");
    await hook("message.revoked", (d) => d.id === text.id);
    const again = await api("POST", `/api/v1/messages/${text.id}/revoke`);
    expect(again.status).toBe(409);
    expect((await readBody(again)).error.details.reason).toBe("revoked");
    expect((await api("PATCH", `/api/v1/messages/${text.id}`, { text: "x" })).status).toBe(409);
  });

  it("reacts to an inbound message; refuses edits of others' and of unsent messages", async () => {
    const echo = await send("send-text", { to: TO, text: "echo hi there" });
    const received = await hook("message.received", (d) => d.text === "hi there");
    expect(received.payload.data.from).toBe(TO);
    const inboundId = String(received.payload.data.id);
    const react = await api("POST", `/api/v1/messages/${inboundId}/reaction`, { emoji: "❤️" });
    expect(react.status).toBe(200);
    const editInbound = await api("PATCH", `/api/v1/messages/${inboundId}`, { text: "x" });
    expect(editInbound.status).toBe(409);
    expect((await readBody(editInbound)).error.details.reason).toBe("not_own_sent");
    await untilStatus(echo.id, ["sent", "delivered", "read"]);

    const scheduled = await send("send-text", {
      to: TO,
      text: "later",
      send_at: new Date(Date.now() + 3600_000).toISOString(),
    });
    const early = await api("POST", `/api/v1/messages/${scheduled.id}/reaction`, { emoji: "👍" });
    expect(early.status).toBe(409);
    expect((await readBody(early)).error.details.reason).toBe("not_sent");

    const other = await seedAccount(t);
    for (const [method, path, body] of [
      ["POST", `/api/v1/messages/${echo.id}/reaction`, { emoji: "👍" }],
      ["PATCH", `/api/v1/messages/${echo.id}`, { text: "x" }],
      ["POST", `/api/v1/messages/${echo.id}/revoke`, undefined],
    ] as const) {
      const res = await t.app.request(path, {
        method,
        headers: other.headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
  });

  it("sends to a group id", async () => {
    const group = await send("send-text", {
      to: "120363025246125486@g.us",
      text: "hello group",
      mentions: ["+213661234567"],
    });
    const sent = await untilStatus(group.id, ["sent", "delivered", "read"]);
    expect(sent).toMatchObject({ to: "120363025246125486@g.us", mentions: ["+213661234567"] });
  });

  it("number checks are cached; a number not on WhatsApp is refused at once; LIDs on sends", async () => {
    const first = await api("GET", `/api/v1/contacts/check?phone=${encodeURIComponent(TO)}`);
    const checked = await readBody(first);
    expect(first.status, JSON.stringify(checked)).toBe(200);
    expect(checked).toMatchObject({ phone: TO, on_whatsapp: true, cached: false });
    expect(checked.lid).toMatch(/@lid$/);
    expect(checked.wa_id).toBe("213661234567@c.us");
    const again = await readBody(
      await api("GET", `/api/v1/contacts/check?phone=${encodeURIComponent("+213 661 234 567")}`),
    );
    expect(again).toMatchObject({ phone: TO, cached: true, lid: checked.lid });

    const batch = await api("POST", "/api/v1/contacts/check", {
      phones: [TO, "+213660000000"],
    });
    const answers = (await readBody(batch)).data;
    expect(answers).toEqual([
      expect.objectContaining({ phone: TO, on_whatsapp: true, cached: true }),
      expect.objectContaining({ phone: "+213660000000", on_whatsapp: false, lid: null }),
    ]);
    const bad = await api("GET", "/api/v1/contacts/check?phone=nope");
    expect(bad.status).toBe(422);

    const refused = await api("POST", "/api/v1/messages/send-text", {
      to: "+213660000000",
      text: "hello?",
    });
    expect(refused.status).toBe(422);
    expect((await readBody(refused)).error.code).toBe("not_on_whatsapp");

    const sent = await send("send-text", { to: TO, text: "with lid" });
    expect(sent.to_lid).toBe(checked.lid);
  });

  it("contacts fill from traffic: an inbound webhook carries phone and LID; lists are per account", async () => {
    await send("send-text", { to: TO, text: "echo who am i" });
    const received = await hook("message.received", (d) => d.text === "who am i");
    expect(received.payload.data).toMatchObject({ from: TO });
    expect(String(received.payload.data.from_lid)).toMatch(/@lid$/);

    const contact = await eventually(async () => {
      const c = await readBody(await api("GET", `/api/v1/contacts/${encodeURIComponent(TO)}`));
      return c.last_inbound_at ? c : null;
    }, "the contact's traffic");
    expect(contact).toMatchObject({ phone: TO, push_name: "Sim 4567", on_whatsapp: true });
    expect(contact.lid).toBe(received.payload.data.from_lid);
    const byLid = await readBody(
      await api("GET", `/api/v1/contacts/${encodeURIComponent(contact.lid)}`),
    );
    expect(byLid.id).toBe(contact.id);
    const list = await readBody(await api("GET", "/api/v1/contacts?limit=10"));
    expect(list.data.map((c: { phone: string }) => c.phone)).toContain(TO);

    const other = await seedAccount(t);
    const hidden = await t.app.request(`/api/v1/contacts/${encodeURIComponent(TO)}`, {
      headers: { authorization: other.headers.authorization },
    });
    expect(hidden.status).toBe(404);
    const empty = await t.app.request("/api/v1/contacts", {
      headers: { authorization: other.headers.authorization },
    });
    expect((await readBody(empty)).data).toEqual([]);
  });

  it("marks a chat read and shows typing; another account's chat is 404", async () => {
    const chat = encodeURIComponent(TO);
    const read = await api("POST", `/api/v1/chats/${chat}/read`);
    expect(read.status).toBe(200);
    expect(await readBody(read)).toEqual({ chat: TO, read: true });
    const typing = await api("POST", `/api/v1/chats/${chat}/presence`, { state: "typing" });
    expect(await readBody(typing)).toEqual({ chat: TO, state: "typing" });
    const bad = await api("POST", `/api/v1/chats/${chat}/presence`, { state: "dancing" });
    expect([400, 422]).toContain(bad.status);
    const unknown = await api("POST", `/api/v1/chats/${encodeURIComponent("+213661239999")}/read`);
    expect(unknown.status).toBe(404);
    const other = await seedAccount(t);
    const hidden = await t.app.request(`/api/v1/chats/${chat}/read`, {
      method: "POST",
      headers: { authorization: other.headers.authorization },
    });
    expect(hidden.status).toBe(404);
  });

  it("a call is rejected automatically and the caller gets the account's text", async () => {
    const unset = await readBody(await api("GET", "/api/v1/account/calls"));
    expect(unset).toEqual({ reject_calls: false, message: null });
    const put = await api("PUT", "/api/v1/account/calls", {
      reject_calls: true,
      message: "Busy now, please text",
    });
    expect(put.status).toBe(200);
    await send("send-text", { to: TO, text: "call me" });
    const call = await hook("call.received", (d) => d.from === TO);
    expect(signatureValid(call, secret)).toBe(true);
    expect(call.payload.data).toMatchObject({ rejected: true, is_video: false });
    expect(String(call.payload.data.from_lid)).toMatch(/@lid$/);
    const replyId = String(call.payload.data.reply_message_id);
    const reply = await untilStatus(replyId, ["sent", "delivered", "read"]);
    expect(reply).toMatchObject({ to: TO, text: "Busy now, please text", type: "text" });
  });
});
