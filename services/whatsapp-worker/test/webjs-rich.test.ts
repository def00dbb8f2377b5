import { beforeEach, describe, expect, it } from "vitest";
import type { InboundMessage, InboundPollVote, InboundReaction } from "../src/drivers/types.js";
import { WebjsDriver } from "../src/drivers/webjs.js";
import { FakeWebjsClient, fakeClientFactory } from "./fake-webjs.js";
import { waitFor } from "./helpers.js";

/**
 * Rich messaging on the webjs driver (issue 12) against the fake whatsapp-web.js Client:
 * which library objects, methods and options each operation uses.
 */
const driver = () =>
  new WebjsDriver({
    sessionId: "ses_RICH",
    mode: "live",
    store: {},
    dataPath: "/tmp/unused",
    createClient: fakeClientFactory,
    createMedia: (mimeType, base64, filename) => ({
      kind: "MessageMedia",
      mimeType,
      base64,
      filename,
    }),
    createContent: {
      location: (latitude, longitude, options) => ({
        kind: "Location",
        latitude,
        longitude,
        options,
      }),
      poll: (name, options, sendOptions) => ({ kind: "Poll", name, options, sendOptions }),
    },
    watchdog: { intervalMs: 60_000, timeoutMs: 1000, maxFailures: 3 },
  });

const TO = "+213661234567";
const CHAT = "213661234567@c.us";

async function linked() {
  const d = driver();
  await d.start();
  const client = FakeWebjsClient.latest();
  client.link();
  return { d, client };
}

beforeEach(() => {
  FakeWebjsClient.instances = [];
});

describe("webjs driver: rich sends", () => {
  it("location → Location(lat, lng, {name, address}); poll → Poll(q, options, {allowMultipleAnswers})", async () => {
    const { d, client } = await linked();
    await d.sendLocation({
      to: TO,
      reference: "msg_1",
      latitude: 36.75,
      longitude: 3.06,
      name: "Office",
      address: "Algiers",
      replyTo: "true_x_QUOTED",
    });
    expect(client.sent[0]).toEqual({
      chatId: CHAT,
      content: {
        kind: "Location",
        latitude: 36.75,
        longitude: 3.06,
        options: { name: "Office", address: "Algiers" },
      },
      options: { quotedMessageId: "true_x_QUOTED" },
    });
    await d.sendPoll({
      to: TO,
      reference: "msg_2",
      question: "Lunch?",
      options: ["Yes", "No"],
      multipleAnswers: true,
    });
    expect(client.sent[1]).toEqual({
      chatId: CHAT,
      content: {
        kind: "Poll",
        name: "Lunch?",
        options: ["Yes", "No"],
        sendOptions: { allowMultipleAnswers: true },
      },
    });
  });

  it("one contact → its vCard string; several → the library's Contact list", async () => {
    const { d, client } = await linked();
    await d.sendContact({
      to: TO,
      reference: "msg_1",
      contacts: [
        {
          name: "Amina B",
          phones: ["+213661234568"],
          email: "a@example.com",
          organization: "ACME; Inc",
        },
      ],
    });
    const vcard = client.sent[0]!.content as string;
    expect(vcard).toMatch(/^BEGIN:VCARD\nVERSION:3\.0\nFN:Amina B\n/);
    expect(vcard).toContain("TEL;type=CELL;type=VOICE;waid=213661234568:+213661234568");
    expect(vcard).toContain("ORG:ACME\\; Inc");
    expect(vcard).toContain("EMAIL:a@example.com");
    expect(vcard.endsWith("END:VCARD")).toBe(true);
    await d.sendContact({
      to: TO,
      reference: "msg_2",
      contacts: [
        { name: "A", phones: ["+213661234568"], email: null, organization: null },
        { name: "B", phones: ["+213661234569"], email: null, organization: null },
      ],
    });
    expect(client.contactLookups).toEqual(["213661234568@c.us", "213661234569@c.us"]);
    expect(client.sent[1]!.content).toEqual([
      { id: { _serialized: "213661234568@c.us" }, isContact: true },
      { id: { _serialized: "213661234569@c.us" }, isContact: true },
    ]);
  });

  it("media kinds → sendAudioAsVoice / sendMediaAsSticker / sendMediaAsDocument; mentions as ids; groups as is", async () => {
    const { d, client } = await linked();
    const media = { data: Buffer.from("ogg"), mimeType: "audio/ogg", filename: null };
    await d.sendMedia({ to: TO, reference: "m1", media, caption: null, sendAs: "voice" });
    expect(client.sent[0]).toMatchObject({
      content: { kind: "MessageMedia", mimeType: "audio/ogg" },
      options: { sendAudioAsVoice: true },
    });
    const png = { data: Buffer.from("png"), mimeType: "image/png", filename: "a.png" };
    await d.sendMedia({ to: TO, reference: "m2", media: png, caption: null, sendAs: "sticker" });
    expect(client.sent[1]!.options).toEqual({ sendMediaAsSticker: true });
    await d.sendMedia({ to: TO, reference: "m3", media: png, caption: "c", sendAs: "document" });
    expect(client.sent[2]!.options).toEqual({ caption: "c", sendMediaAsDocument: true });
    await d.sendMedia({ to: TO, reference: "m4", media: png, caption: null });
    expect(client.sent[3]!.options).toBeUndefined();

    await d.sendText({
      to: "120363025246125486@g.us",
      reference: "m5",
      text: "hi @213661234567",
      mentions: ["+213661234567"],
    });
    expect(client.sent[4]).toEqual({
      chatId: "120363025246125486@g.us",
      content: "hi @213661234567",
      options: { mentions: ["213661234567@c.us"] },
    });
  });
});

describe("webjs driver: operations on messages and numbers", () => {
  it("react / edit / revoke call msg.react(emoji), msg.edit(text), msg.delete(true)", async () => {
    const { d, client } = await linked();
    const { waMessageId } = await d.sendText({ to: TO, text: "hi", reference: "msg_1" });
    const ref = { chat: TO, waMessageId };
    await d.react(ref, "👍");
    await d.react(ref, "");
    await d.edit(ref, "hello");
    await d.revoke(ref);
    expect(client.messageCalls).toEqual([
      { id: waMessageId, method: "react", args: ["👍"] },
      { id: waMessageId, method: "react", args: [""] },
      { id: waMessageId, method: "edit", args: ["hello"] },
      { id: waMessageId, method: "delete", args: [true] },
    ]);
    client.editResult = null; // the library's answer when WhatsApp refuses the edit
    await expect(d.edit(ref, "again")).rejects.toMatchObject({ permanent: true });
    await expect(d.react({ chat: TO, waMessageId: "unknown" }, "👍")).rejects.toMatchObject({
      permanent: true,
    });
  });

  it("markRead → client.sendSeen(chatId); presence → chat.sendStateTyping/Recording/clearState", async () => {
    const { d, client } = await linked();
    await d.markRead(TO);
    await d.markRead("120363025246125486@g.us");
    expect(client.seen).toEqual([CHAT, "120363025246125486@g.us"]);
    await d.setPresence(TO, "typing");
    await d.setPresence(TO, "recording");
    await d.setPresence(TO, "paused");
    expect(client.chatStates).toEqual([
      { chatId: CHAT, state: "typing" },
      { chatId: CHAT, state: "recording" },
      { chatId: CHAT, state: "paused" },
    ]);
  });

  it("checkNumbers: getNumberId, then getContactLidAndPhone for the LID", async () => {
    const { d, client } = await linked();
    client.lidPairs.push({ lid: "98765432109876@lid", pn: CHAT });
    expect(await d.checkNumbers([TO, "+213660000000"])).toEqual([
      { phone: TO, onWhatsApp: true, waId: CHAT, lid: "98765432109876@lid" },
      { phone: "+213660000000", onWhatsApp: false, waId: null, lid: null },
    ]);
    expect(client.lidLookups).toEqual([[CHAT]]);
  });
});

describe("webjs driver: an earlier attempt of a rich send (findSent after a crash)", () => {
  it("matches a location, contact, poll or media by type and content, never by an empty text", async () => {
    const { d } = await linked();
    const since = new Date(Date.now() - 2000);
    const find = (input: Partial<Parameters<typeof d.findSent>[0]>) =>
      d.findSent({ to: TO, reference: "msg_x", text: null, since, ...input });
    // Nothing sent yet: no rich type matches.
    expect(
      await find({ type: "location", payload: { location: { latitude: 36.75, longitude: 3.06 } } }),
    ).toBeNull();

    const png = { data: Buffer.from("png"), mimeType: "image/png", filename: "a.png" };
    const photo = await d.sendMedia({ to: TO, reference: "m1", media: png, caption: null });
    const location = await d.sendLocation({
      to: TO,
      reference: "m2",
      latitude: 36.75,
      longitude: 3.06,
      name: null,
      address: null,
    });
    const poll = await d.sendPoll({
      to: TO,
      reference: "m3",
      question: "Lunch?",
      options: ["Yes", "No"],
      multipleAnswers: false,
    });
    const card = { name: "A", phones: ["+213661234568"], email: null, organization: null };
    const single = await d.sendContact({ to: TO, reference: "m4", contacts: [card] });
    const other = { name: "B", phones: ["+213661234569"], email: null, organization: null };
    const multi = await d.sendContact({ to: TO, reference: "m5", contacts: [card, other] });
    const pdf = { data: Buffer.from("%PDF"), mimeType: "application/pdf", filename: "q.pdf" };
    const doc = await d.sendMedia({ to: TO, reference: "m6", media: pdf, caption: "Quote" });
    const ogg = { data: Buffer.from("ogg"), mimeType: "audio/ogg", filename: null };
    const voice = await d.sendMedia({
      to: TO,
      reference: "m7",
      media: ogg,
      caption: null,
      sendAs: "voice",
    });

    // Each is found as itself, not as the media or the text sent before it.
    expect(
      await find({ type: "location", payload: { location: { latitude: 36.75, longitude: 3.06 } } }),
    ).toEqual(location);
    expect(
      await find({
        type: "poll",
        text: "Lunch?",
        payload: { poll: { question: "Lunch?", options: ["Yes", "No"] } },
      }),
    ).toEqual(poll);
    expect(await find({ type: "contact", payload: { contacts: [card] } })).toEqual(single);
    expect(await find({ type: "contact", payload: { contacts: [card, other] } })).toEqual(multi);
    expect(
      await find({
        type: "document",
        text: "Quote",
        media: { mimeType: "application/pdf", filename: "q.pdf" },
      }),
    ).toEqual(doc);
    expect(await find({ type: "voice", media: { mimeType: "audio/ogg", filename: null } })).toEqual(
      voice,
    );
    expect(
      await find({ type: "image", media: { mimeType: "image/png", filename: "a.png" } }),
    ).toEqual(photo);

    // Other content of the same kind is a different message: sent again, not taken for this.
    expect(
      await find({ type: "location", payload: { location: { latitude: 36.8, longitude: 3.06 } } }),
    ).toBeNull();
    expect(
      await find({
        type: "poll",
        text: "Lunch?",
        payload: { poll: { question: "Lunch?", options: ["No", "Yes"] } },
      }),
    ).toBeNull();
    expect(await find({ type: "contact", payload: { contacts: [other] } })).toBeNull();
    expect(
      await find({
        type: "document",
        text: "Other",
        media: { mimeType: "application/pdf", filename: "q.pdf" },
      }),
    ).toBeNull();
    expect(
      await find({ type: "video", media: { mimeType: "video/mp4", filename: null } }),
    ).toBeNull();
    expect(await find({ type: "text", text: "" })).toBeNull();
  });
});

describe("webjs driver: contact profile", () => {
  it("getProfile: getContactById(id).getAbout() and getProfilePicUrl(id), for a phone or a LID", async () => {
    const { d, client } = await linked();
    client.abouts.set(CHAT, "Busy building things");
    client.profilePics.set(CHAT, "https://pps.whatsapp.net/v/t61/abc.jpg?oe=1");
    expect(await d.getProfile(TO)).toEqual({
      about: "Busy building things",
      profilePictureUrl: "https://pps.whatsapp.net/v/t61/abc.jpg?oe=1",
    });
    expect(client.contactLookups).toEqual([CHAT]);
    expect(client.profileCalls).toEqual([
      { method: "getAbout", id: CHAT },
      { method: "getProfilePicUrl", id: CHAT },
    ]);

    const lid = "123456789012345@lid";
    client.profilePics.set(lid, "https://pps.whatsapp.net/v/t61/lid.jpg");
    expect(await d.getProfile(lid)).toEqual({
      about: null,
      profilePictureUrl: "https://pps.whatsapp.net/v/t61/lid.jpg",
    });
    expect(client.contactLookups.at(-1)).toBe(lid);
  });

  it("getProfile: undefined, null, empty or a throw from the library → null, never a failure", async () => {
    const { d, client } = await linked();
    expect(await d.getProfile(TO)).toEqual({ about: null, profilePictureUrl: null });
    client.abouts.set(CHAT, new Error("privacy"));
    client.profilePics.set(CHAT, new Error("404"));
    expect(await d.getProfile(TO)).toEqual({ about: null, profilePictureUrl: null });
    client.abouts.set(CHAT, "");
    client.profilePics.delete(CHAT);
    expect(await d.getProfile(TO)).toEqual({ about: null, profilePictureUrl: null });
    expect(client.profileCalls.filter((c) => c.method === "getProfilePicUrl")).toHaveLength(3);
  });

  it("getProfile before the session is ready is session_not_ready", async () => {
    const d = driver();
    await d.start();
    await expect(d.getProfile(TO)).rejects.toMatchObject({ code: "session_not_ready" });
  });
});

describe("webjs driver: rich events", () => {
  it("a LID-only sender's message carries the phone resolved through getContactLidAndPhone", async () => {
    const { d, client } = await linked();
    client.lidPairs.push({ lid: "11122233344455@lid", pn: CHAT });
    const inbound: InboundMessage[] = [];
    d.on("message", (m) => inbound.push(m));
    client.emit("message", {
      id: { _serialized: "false_11122233344455@lid_IN1" },
      from: "11122233344455@lid",
      body: "hello from a lid",
      type: "chat",
      fromMe: false,
      timestamp: 1_700_000_000,
    });
    client.emit("message", {
      id: { _serialized: "false_x@lid_IN2" },
      from: "99999999999999@lid",
      body: "unresolvable",
      type: "ptt",
      fromMe: false,
      timestamp: 1_700_000_001,
    });
    await waitFor(async () => inbound.length === 1);
    expect(inbound[0]).toMatchObject({
      from: TO,
      fromLid: "11122233344455@lid",
      text: "hello from a lid",
    });
    expect(client.lidLookups).toEqual([["11122233344455@lid"], ["99999999999999@lid"]]);
  });

  it("message_reaction and vote_update become reaction and poll_vote with phone and LID", async () => {
    const { d, client } = await linked();
    client.lidPairs.push({ lid: "11122233344455@lid", pn: CHAT });
    const reactions: InboundReaction[] = [];
    const votes: InboundPollVote[] = [];
    d.on("reaction", (r) => reactions.push(r));
    d.on("poll_vote", (v) => votes.push(v));
    client.emit("message_reaction", {
      msgId: { _serialized: "true_x_OUT1" },
      reaction: "🎉",
      senderId: "11122233344455@lid",
      timestamp: 1_700_000_000,
      id: { fromMe: false },
    });
    client.emit("vote_update", {
      voter: CHAT,
      selectedOptions: [{ name: "Yes", localId: 0 }, { localId: 1 }],
      interractedAtTs: 1_700_000_000_000,
      parentMsgKey: { _serialized: "true_x_POLL" },
      parentMessage: {
        pollOptions: [
          { name: "Yes", localId: 0 },
          { name: "No", localId: 1 },
        ],
      },
    });
    await waitFor(async () => reactions.length === 1 && votes.length === 1);
    expect(reactions[0]).toEqual({
      waMessageId: "true_x_OUT1",
      from: TO,
      fromLid: "11122233344455@lid",
      emoji: "🎉",
      fromMe: false,
      at: new Date(1_700_000_000_000),
    });
    expect(votes[0]).toEqual({
      waMessageId: "true_x_POLL",
      voter: TO,
      voterLid: "11122233344455@lid",
      options: ["Yes", "No"],
      at: new Date(1_700_000_000_000),
    });
  });

  it("an incoming call becomes a call event; rejectCall calls the library's call.reject()", async () => {
    const { d, client } = await linked();
    const calls: unknown[] = [];
    d.on("call", (c) => calls.push(c));
    let rejected = 0;
    client.emit("call", {
      id: "CALL1",
      from: CHAT,
      timestamp: 1_700_000_000,
      isVideo: true,
      isGroup: false,
      fromMe: false,
      reject: async () => {
        rejected += 1;
      },
    });
    await waitFor(async () => calls.length === 1);
    expect(calls[0]).toEqual({
      id: "CALL1",
      from: TO,
      fromLid: null,
      isVideo: true,
      isGroup: false,
      at: new Date(1_700_000_000_000),
    });
    await d.rejectCall("CALL1");
    expect(rejected).toBe(1);
    await expect(d.rejectCall("CALL1")).rejects.toMatchObject({ permanent: true });
  });
});
