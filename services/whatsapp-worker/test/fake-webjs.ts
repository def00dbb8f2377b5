import { EventEmitter } from "node:events";
import type { WebjsClient, WebjsClientSpec, WebjsMessage } from "../src/drivers/webjs-client.js";

/**
 * A stand-in for whatsapp-web.js `Client`: the same method names, and the test emits the
 * library's real events (`qr`, `authenticated`, `ready`, `message_ack`, `message`,
 * `disconnected`, `auth_failure`, `change_state`) on it.
 */
export class FakeWebjsClient extends EventEmitter implements WebjsClient {
  static instances: FakeWebjsClient[] = [];
  info = { wid: { user: "213555000111" } };
  sent: Array<{ chatId: string; content: unknown; options?: Record<string, unknown> }> = [];
  chats = new Map<string, WebjsMessage[]>();
  state: string | null = "CONNECTED";
  hang = false;
  failWith: string | null = null;
  initialized = false;
  destroyed = false;
  loggedOut = false;
  /** Arguments of every `requestPairingCode` call; the code answered is `pairingCode`. */
  pairingCodeRequests: unknown[][] = [];
  pairingCode = "K7PQ2XWZ";
  /** Every call on a message object (`react`, `edit`, `delete`) with its arguments. */
  messageCalls: Array<{ id: string; method: string; args: unknown[] }> = [];
  /** What `edit` answers (the library answers null when WhatsApp refuses). */
  editResult: unknown = {};
  /** LID ↔ phone pairs `getContactLidAndPhone` knows (serialized ids). */
  lidPairs: Array<{ lid: string; pn: string }> = [];
  lidLookups: string[][] = [];
  contactLookups: string[] = [];
  private counter = 0;

  constructor(readonly spec: WebjsClientSpec) {
    super();
    FakeWebjsClient.instances.push(this);
  }

  static latest(): FakeWebjsClient {
    return FakeWebjsClient.instances.at(-1)!;
  }

  async initialize() {
    this.initialized = true;
  }
  async getState() {
    if (this.hang) return new Promise<string | null>(() => {});
    return this.state;
  }
  async getNumberId(number: string) {
    return number.endsWith("0000") ? null : { _serialized: `${number}@c.us` };
  }
  async sendMessage(chatId: string, content: unknown, options?: Record<string, unknown>) {
    if (this.failWith) throw new Error(this.failWith);
    const id = { _serialized: `true_${chatId}_FAKE${++this.counter}` };
    this.sent.push({ chatId, content, ...(options ? { options } : {}) });
    const chat = this.chats.get(chatId) ?? [];
    chat.push({
      id,
      from: chatId,
      fromMe: true,
      timestamp: Math.floor(Date.now() / 1000),
      ...asSent(content, options),
    });
    this.chats.set(chatId, chat);
    return { id };
  }
  async getChatById(chatId: string) {
    const messages = this.chats.get(chatId) ?? [];
    return {
      id: { _serialized: chatId },
      isGroup: chatId.endsWith("@g.us"),
      timestamp: messages.at(-1)?.timestamp ?? 0,
      fetchMessages: async ({ limit }: { limit: number }) =>
        (this.chats.get(chatId) ?? []).slice(-limit),
      sendStateTyping: async () => this.chatStates.push({ chatId, state: "typing" }),
      sendStateRecording: async () => this.chatStates.push({ chatId, state: "recording" }),
      clearState: async () => this.chatStates.push({ chatId, state: "paused" }),
    };
  }
  async getChats() {
    return Promise.all([...this.chats.keys()].map((id) => this.getChatById(id)));
  }
  async getMessageById(messageId: string) {
    const known = [...this.chats.values()].flat().find((m) => m.id._serialized === messageId);
    if (!known) return null;
    const record =
      (method: string) =>
      async (...args: unknown[]) => {
        this.messageCalls.push({ id: messageId, method, args });
        return method === "edit" ? this.editResult : undefined;
      };
    return { ...known, react: record("react"), edit: record("edit"), delete: record("delete") };
  }
  async getContactLidAndPhone(userIds: string[]) {
    this.lidLookups.push(userIds);
    return userIds.map((id) => {
      const pair = this.lidPairs.find((p) => p.lid === id || p.pn === id);
      return { lid: pair?.lid, pn: pair?.pn };
    });
  }
  seen: string[] = [];
  chatStates: Array<{ chatId: string; state: string }> = [];
  async sendSeen(chatId: string) {
    this.seen.push(chatId);
    return true;
  }
  /** What a contact's `getAbout()` answers, by id (an Error is thrown); absent: undefined. */
  abouts = new Map<string, string | null | Error>();
  /** What `getProfilePicUrl` answers, by id (an Error is thrown); absent: undefined. */
  profilePics = new Map<string, string | Error>();
  /** Every `getAbout` (on a contact) and `getProfilePicUrl` call, with the id. */
  profileCalls: Array<{ method: string; id: string }> = [];
  async getContactById(contactId: string) {
    this.contactLookups.push(contactId);
    return new FakeContact(this, contactId);
  }
  async getProfilePicUrl(contactId: string) {
    this.profileCalls.push({ method: "getProfilePicUrl", id: contactId });
    const url = this.profilePics.get(contactId);
    if (url instanceof Error) throw url;
    return url;
  }
  async requestPairingCode(...args: [string, boolean?, number?]) {
    this.pairingCodeRequests.push(args);
    return this.pairingCode;
  }
  async destroy() {
    this.destroyed = true;
  }
  async logout() {
    this.loggedOut = true;
  }

  /** Walks the pairing the way the library does: qr, then authenticated and ready. */
  link() {
    this.emit("authenticated", {});
    this.emit("ready");
  }
}

export const fakeClientFactory = (spec: WebjsClientSpec) => new FakeWebjsClient(spec);

/** The library's `Contact`, as far as the driver reads it (`getAbout` on the prototype). */
class FakeContact {
  readonly id: { _serialized: string };
  readonly isContact = true;
  constructor(
    private readonly client: FakeWebjsClient,
    contactId: string,
  ) {
    this.id = { _serialized: contactId };
    Object.defineProperty(this, "client", { enumerable: false });
  }
  async getAbout() {
    this.client.profileCalls.push({ method: "getAbout", id: this.id._serialized });
    const about = this.client.abouts.get(this.id._serialized);
    if (about instanceof Error) throw about;
    return about;
  }
}

/**
 * What the library's message looks like once sent, as far as the driver reads it back
 * (`findSent`): a string is a `chat` (or a `vcard` when it is one), a Location, Poll,
 * contact list or MessageMedia (the test's `createContent` / `createMedia` objects, by
 * `kind`) comes back as `location`, `poll_creation`, `multi_vcard` or a media type.
 */
function asSent(
  content: unknown,
  options?: Record<string, unknown>,
): Pick<
  WebjsMessage,
  "body" | "type" | "hasMedia" | "location" | "vCards" | "pollName" | "pollOptions" | "_data"
> {
  if (typeof content === "string") {
    return content.startsWith("BEGIN:VCARD")
      ? { body: content, type: "vcard", vCards: [content] }
      : { body: content, type: "chat" };
  }
  if (Array.isArray(content)) {
    const ids = content.map((c) => (c as { id: { _serialized: string } }).id._serialized);
    return {
      body: "",
      type: "multi_vcard",
      vCards: ids.map((id) => `BEGIN:VCARD\nTEL;waid=${id.replace(/@.*/, "")}:+0\nEND:VCARD`),
    };
  }
  const object = content as Record<string, unknown>;
  if (object.kind === "Location") {
    return {
      body: "",
      type: "location",
      location: { latitude: object.latitude as number, longitude: object.longitude as number },
    };
  }
  if (object.kind === "Poll") {
    return {
      body: "",
      type: "poll_creation",
      pollName: object.name as string,
      pollOptions: (object.options as string[]).map((name, localId) => ({ name, localId })),
    };
  }
  const mimeType = String(object.mimeType ?? "image/png");
  const type = options?.sendAudioAsVoice
    ? "ptt"
    : options?.sendMediaAsSticker
      ? "sticker"
      : options?.sendMediaAsDocument || mimeType.startsWith("application/")
        ? "document"
        : (mimeType.split("/")[0] ?? "image");
  return {
    body: typeof options?.caption === "string" ? options.caption : "",
    type,
    hasMedia: true,
    _data: {
      mimetype: mimeType,
      ...(typeof object.filename === "string" ? { filename: object.filename } : {}),
    },
  };
}
