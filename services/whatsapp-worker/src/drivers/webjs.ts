import { EventEmitter } from "node:events";
import path from "node:path";
import type {
  ContactProfile,
  GroupInfo,
  GroupParticipantAction,
  KeyMode,
  MessageType,
} from "@wagate/contracts";
import { browserMemoryBytes, reapBrowser } from "./browser-processes.js";
import {
  ackFromWebjs,
  type DownloadedMedia,
  type DriverEvents,
  type FindSentInput,
  formatPairingCode,
  type InboundMessage,
  MediaTooLargeError,
  type MessageRef,
  type NumberLookup,
  PairingCodeError,
  type SendContactInput,
  SendError,
  type SendLocationInput,
  type SendMediaInput,
  type SendPollInput,
  type SendResult,
  type SendTextInput,
  toVcard,
  type WhatsAppDriver,
} from "./types.js";

import {
  CHROMIUM_ARGS,
  realWebjsClient,
  realWebjsContent,
  realWebjsMedia,
  type WebjsCall,
  type WebjsClient,
  type WebjsClientFactory,
  type WebjsContentFactory,
  type WebjsGroupNotification,
  type WebjsMediaFactory,
  type WebjsMessage,
  type WebjsPollVote,
  type WebjsReaction,
} from "./webjs-client.js";
import {
  groupEventOf,
  type WebjsGroupContext,
  webjsChangeParticipants,
  webjsCreateGroup,
  webjsGetGroup,
  webjsLeaveGroup,
  webjsListGroups,
  webjsUpdateGroup,
} from "./webjs-groups.js";

export interface WebjsDriverOptions {
  sessionId: string;
  mode: KeyMode;
  store: unknown;
  /** RemoteAuth staging directory. Default `.data/wwebjs`. */
  dataPath?: string;
  /** Default `/usr/bin/chromium`. */
  executablePath?: string;
  createClient?: WebjsClientFactory;
  createMedia?: WebjsMediaFactory;
  /** whatsapp-web.js `Location` / `Poll` builders (tests pass plain records). */
  createContent?: WebjsContentFactory;
  /** RemoteAuth backup period (library minimum 60000). Default 300000. */
  backupSyncIntervalMs?: number;
  /** A page that fails `maxFailures` `getState()` probes in a row (each `timeoutMs`) is recycled. */
  watchdog?: { intervalMs: number; timeoutMs: number; maxFailures: number };
  /** Bound on one `sendMessage`. Default 60000. */
  sendTimeoutMs?: number;
  /** Bound on `Client.destroy()` before the browser is killed. Default 10000. */
  destroyTimeoutMs?: number;
  /** Bound on `requestPairingCode` (the API waits ~10 s in all). Default 8000. */
  pairingCodeTimeoutMs?: number;
}

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

const TYPE_MAP: Record<string, MessageType> = {
  chat: "text",
  image: "image",
  video: "video",
  audio: "audio",
  ptt: "voice",
  location: "location",
  vcard: "contact",
  multi_vcard: "contact",
  poll_creation: "poll",
  document: "document",
  sticker: "sticker",
};

const jidToE164 = (jid: string) => `+${jid.split("@")[0]!.split(":")[0]}`;
const isLid = (jid: string) => jid.endsWith("@lid");
const isUser = (jid: string) => jid.endsWith("@c.us") || isLid(jid);
/** Unix seconds or milliseconds (the library is not consistent) → Date. */
const fromUnix = (t: number) => new Date(t > 1e12 ? t : t * 1000);

/**
 * An inbound 1:1 message as the driver reports it; null for ours, groups, status, channels.
 * A sender known only by LID (`…@lid`) has `from` set by the driver once resolved.
 */
function toInbound(message: WebjsMessage): InboundMessage | null {
  if (message.fromMe || !isUser(message.from)) return null;
  const types = TYPE_MAP[message.type] ?? "other";
  return {
    waMessageId: message.id._serialized,
    from: isLid(message.from) ? "" : jidToE164(message.from),
    ...(isLid(message.from) ? { fromLid: message.from } : {}),
    ...(message._data?.notifyName ? { pushName: message._data.notifyName } : {}),
    type: types,
    text: message.body || null,
    at: new Date(message.timestamp * 1000),
    ...(message.hasMedia
      ? {
          media: {
            mimeType: message._data?.mimetype ?? null,
            filename: message._data?.filename ?? null,
            size: typeof message._data?.size === "number" ? message._data.size : null,
          },
        }
      : {}),
  };
}

/** Inbound media messages kept by id for `downloadMedia` (else looked up by id). */
const RECENT_MEDIA_MAX = 500;

/** Backfill bounds: the most recently active 1:1 chats, and messages read per chat. */
const BACKFILL_CHATS = 50;
const BACKFILL_PER_CHAT = 100;

/** A live WhatsApp session through whatsapp-web.js. */
export class WebjsDriver extends EventEmitter<DriverEvents> implements WhatsAppDriver {
  readonly kind = "webjs" as const;
  private client: WebjsClient | undefined;
  private ready = false;
  /** True between a `qr` and the next `authenticated`/`ready`/`disconnected`: linkable. */
  private waitingForScan = false;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private probeFailures = 0;
  private recycling = false;
  private closed = false;
  private readonly options: Required<Omit<WebjsDriverOptions, "store">> & { store: unknown };

  constructor(options: WebjsDriverOptions) {
    super();
    this.options = {
      dataPath: ".data/wwebjs",
      executablePath: "/usr/bin/chromium",
      createClient: realWebjsClient,
      createMedia: realWebjsMedia,
      createContent: realWebjsContent,
      backupSyncIntervalMs: 300_000,
      watchdog: { intervalMs: 30_000, timeoutMs: 10_000, maxFailures: 3 },
      sendTimeoutMs: 60_000,
      destroyTimeoutMs: 10_000,
      pairingCodeTimeoutMs: 8_000,
      ...options,
    };
  }

  /** The Chromium profile RemoteAuth gives this session (`<dataPath>/RemoteAuth-<id>`). */
  get profileDir(): string {
    return path.join(path.resolve(this.options.dataPath), `RemoteAuth-${this.options.sessionId}`);
  }

  /** When the current browser was opened (for recycling by age). */
  openedAt = 0;

  /** Resident memory of this session's browser process tree, bytes (0: none running). */
  async browserMemoryBytes(): Promise<number> {
    return browserMemoryBytes(this.profileDir);
  }

  /**
   * Closes the client (bounded) and kills whatever is left of its browser: a launch still
   * in progress, a hung or crashed browser, orphaned helpers. No Chromium outlives this.
   */
  private async closeClient(client: WebjsClient | undefined, how: "destroy" | "logout") {
    client?.removeAllListeners();
    try {
      if (how === "logout") await client?.logout();
    } finally {
      await withTimeout(
        client?.destroy() ?? Promise.resolve(),
        this.options.destroyTimeoutMs,
        "destroy",
      ).catch(() => {});
      const killed = reapBrowser(this.profileDir);
      if (killed > 0) this.emit("state", `reaped ${killed} browser processes`);
    }
  }

  async start(): Promise<void> {
    this.closed = false;
    await this.open();
    this.watchdogTimer = setInterval(() => void this.probe(), this.options.watchdog.intervalMs);
  }

  private async open(): Promise<void> {
    const client = this.options.createClient({
      sessionId: this.options.sessionId,
      store: this.options.store,
      dataPath: this.options.dataPath,
      executablePath: this.options.executablePath,
      args: CHROMIUM_ARGS,
      backupSyncIntervalMs: this.options.backupSyncIntervalMs,
    });
    this.client = client;
    this.ready = false;
    this.waitingForScan = false;
    client.on("qr", (qr: string) => {
      this.waitingForScan = true;
      this.emit("qr", qr);
    });
    client.on("authenticated", () => {
      this.waitingForScan = false;
      this.emit("authenticated");
    });
    client.on("ready", () => {
      this.ready = true;
      this.waitingForScan = false;
      this.probeFailures = 0;
      const user = client.info?.wid?.user;
      this.emit("ready", { phoneNumber: user ? `+${user}` : null });
    });
    client.on("message_ack", (message: WebjsMessage, ack: number) => {
      const status = ackFromWebjs(ack);
      if (status) this.emit("ack", { waMessageId: message.id._serialized, status, at: new Date() });
    });
    client.on("message", (message: WebjsMessage) => {
      const inbound = toInbound(message);
      if (!inbound) return;
      if (inbound.media) this.rememberMedia(message);
      if (inbound.from) {
        this.emit("message", inbound);
        return;
      }
      // A LID-only sender: ask WhatsApp for the phone behind it (kept in order per call).
      void this.identify(client, inbound.fromLid ?? "").then((who) => {
        if (!who.phone) return; // no phone: cannot be stored against a recipient
        this.emit("message", { ...inbound, from: who.phone, fromLid: who.lid });
      });
    });
    client.on("message_reaction", (reaction: WebjsReaction) => {
      void this.identify(client, reaction.senderId).then((who) =>
        this.emit("reaction", {
          waMessageId: reaction.msgId._serialized,
          from: who.phone,
          fromLid: who.lid,
          emoji: reaction.reaction ?? "",
          fromMe: Boolean(reaction.id?.fromMe),
          at: fromUnix(reaction.timestamp),
        }),
      );
    });
    client.on("call", (call: WebjsCall) => {
      if (call.fromMe) return;
      this.calls.set(call.id, call);
      setTimeout(() => this.calls.delete(call.id), 120_000).unref();
      void this.identify(client, call.from ?? "").then((who) =>
        this.emit("call", {
          id: call.id,
          from: who.phone,
          fromLid: who.lid,
          isVideo: Boolean(call.isVideo),
          isGroup: Boolean(call.isGroup),
          at: fromUnix(call.timestamp),
        }),
      );
    });
    client.on("vote_update", (vote: WebjsPollVote) => {
      const pollId = vote.parentMsgKey?._serialized ?? vote.parentMessage?.id?._serialized;
      if (!pollId) return;
      const names = vote.parentMessage?.pollOptions ?? [];
      void this.identify(client, vote.voter).then((who) =>
        this.emit("poll_vote", {
          waMessageId: pollId,
          voter: who.phone,
          voterLid: who.lid,
          options: vote.selectedOptions.map(
            (o) => o.name ?? names.find((n) => n.localId === o.localId)?.name ?? String(o.localId),
          ),
          at: fromUnix(vote.interractedAtTs),
        }),
      );
    });
    // Groups (issue 12): joins/leaves/admin changes and subject/description/settings updates.
    for (const event of ["group_join", "group_leave", "group_admin_changed", "group_update"]) {
      client.on(event, (notification: WebjsGroupNotification) => {
        void groupEventOf(client, notification)
          .then((mapped) => {
            if (!mapped) return;
            if (mapped.kind === "group_participants") this.emit(mapped.kind, mapped.change);
            else this.emit(mapped.kind, mapped.change);
          })
          .catch(() => {});
      });
    }
    client.on("disconnected", (reason: string) => {
      this.ready = false;
      this.waitingForScan = false;
      this.emit("disconnected", String(reason));
    });
    client.on("auth_failure", (message: string) => {
      this.ready = false;
      this.emit("auth_failure", String(message));
    });
    client.on("change_state", (state: string) => this.emit("state", state));
    this.openedAt = Date.now();
    try {
      await client.initialize();
    } catch (error) {
      // A launch that failed (WhatsApp unreachable, the page crashed) leaves no browser.
      if (this.client === client) this.client = undefined;
      await this.closeClient(client, "destroy");
      throw error;
    }
    if (this.client !== client) {
      // Stopped or recycled while the browser was launching: its reap may have come too early.
      await this.closeClient(client, "destroy");
      return;
    }
    // A crashed page or browser is recycled like a hung one (the watchdog only probes when ready).
    client.pupPage?.on("error", () => {
      if (this.client === client) void this.recycle("page crashed");
    });
    client.pupBrowser?.on("disconnected", () => {
      if (this.client === client && !this.closed) void this.recycle("browser closed");
    });
  }

  /** Watchdog: a page that stops answering `getState()` is destroyed (auth kept) and reopened. */
  private async probe(): Promise<void> {
    if (!this.ready || this.recycling || !this.client) return;
    try {
      const state = await withTimeout(
        this.client.getState(),
        this.options.watchdog.timeoutMs,
        "getState",
      );
      this.probeFailures = state ? 0 : this.probeFailures + 1;
    } catch {
      this.probeFailures += 1;
    }
    if (this.probeFailures >= this.options.watchdog.maxFailures) {
      await this.recycle("watchdog: page not responding");
    }
  }

  /**
   * Replaces the browser (auth kept): a hung or crashed page, or the runtime's memory/age
   * limit. Reported as `disconnected` with `reason`; `ready` follows once reopened.
   */
  async recycle(reason: string): Promise<void> {
    if (this.recycling || this.closed) return;
    this.recycling = true;
    this.ready = false;
    this.emit("state", "recycling");
    this.emit("disconnected", reason);
    try {
      const old = this.client;
      this.client = undefined;
      await this.closeClient(old, "destroy");
      if (!this.closed) await this.open();
    } catch (error) {
      this.emit("state", `recycle failed: ${error instanceof Error ? error.message : error}`);
    } finally {
      this.probeFailures = 0;
      this.recycling = false;
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdogTimer);
    this.ready = false;
    const client = this.client;
    this.client = undefined;
    await this.closeClient(client, "destroy");
  }

  async logout(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdogTimer);
    this.ready = false;
    const client = this.client;
    this.client = undefined;
    await this.closeClient(client, "logout");
  }

  async getState(): Promise<string | null> {
    return this.client ? this.client.getState() : null;
  }

  /**
   * whatsapp-web.js `requestPairingCode(digits)`: the page must be showing a QR (the library
   * then switches it to linking by phone number and renews the code every 3 minutes).
   */
  async requestPairingCode(phone: string): Promise<string> {
    const client = this.client;
    if (!client || this.ready || !this.waitingForScan) {
      throw new PairingCodeError("not_waiting", "the session is not waiting to be linked");
    }
    let code: string;
    try {
      code = await withTimeout(
        client.requestPairingCode(phone.replace(/\D/g, "")),
        this.options.pairingCodeTimeoutMs,
        "pairing code request",
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new PairingCodeError(
        "failed",
        `WhatsApp gave no pairing code: ${message.slice(0, 200)}`,
      );
    }
    return formatPairingCode(code);
  }

  private async chatId(to: string): Promise<string> {
    const client = this.readyClient();
    if (to.includes("@")) return to; // a group (`@g.us`) or a LID: already a WhatsApp id
    const id = await client.getNumberId(to.replace(/^\+/, ""));
    if (!id) throw new SendError("not_on_whatsapp", "the recipient is not on WhatsApp", true);
    return id._serialized;
  }

  private readyClient(): WebjsClient {
    if (!this.client || !this.ready) {
      throw new SendError("session_not_ready", "the session is not connected", false);
    }
    return this.client;
  }

  async sendText(input: SendTextInput): Promise<SendResult> {
    const chatId = await this.chatId(input.to);
    const options: Record<string, unknown> = {};
    if (input.replyTo) options.quotedMessageId = input.replyTo;
    if (input.mentions?.length) {
      options.mentions = input.mentions.map((p) => `${p.replace(/\D/g, "")}@c.us`);
    }
    return this.send(chatId, input.text, Object.keys(options).length ? options : undefined);
  }

  async sendMedia(input: SendMediaInput): Promise<SendResult> {
    const chatId = await this.chatId(input.to);
    const media = this.options.createMedia(
      input.media.mimeType,
      input.media.data.toString("base64"),
      input.media.filename,
    );
    const options: Record<string, unknown> = {};
    if (input.caption) options.caption = input.caption;
    if (input.replyTo) options.quotedMessageId = input.replyTo;
    if (input.sendAs === "voice") options.sendAudioAsVoice = true;
    if (input.sendAs === "sticker") options.sendMediaAsSticker = true;
    if (input.sendAs === "document") options.sendMediaAsDocument = true;
    return this.send(chatId, media, Object.keys(options).length ? options : undefined);
  }

  private quoted(replyTo: string | null | undefined) {
    return replyTo ? { quotedMessageId: replyTo } : undefined;
  }

  /** whatsapp-web.js `Location(latitude, longitude, {name, address})`. */
  async sendLocation(input: SendLocationInput): Promise<SendResult> {
    const chatId = await this.chatId(input.to);
    const location = this.options.createContent.location(input.latitude, input.longitude, {
      ...(input.name ? { name: input.name } : {}),
      ...(input.address ? { address: input.address } : {}),
    });
    return this.send(chatId, location, this.quoted(input.replyTo));
  }

  /**
   * One card: its vCard string (the library parses it, `parseVCards`). Several: the
   * library only sends a list of WhatsApp contacts, so each card's first phone is looked up
   * (`getContactById`) and the list is sent as a multi-contact message.
   */
  async sendContact(input: SendContactInput): Promise<SendResult> {
    const chatId = await this.chatId(input.to);
    if (input.contacts.length === 1) {
      return this.send(chatId, toVcard(input.contacts[0]!), this.quoted(input.replyTo));
    }
    const client = this.readyClient();
    const list = await Promise.all(
      input.contacts.map((card) =>
        client.getContactById(`${(card.phones[0] ?? "").replace(/\D/g, "")}@c.us`),
      ),
    );
    return this.send(chatId, list, this.quoted(input.replyTo));
  }

  /** whatsapp-web.js `Poll(question, options, {allowMultipleAnswers})`. */
  async sendPoll(input: SendPollInput): Promise<SendResult> {
    const chatId = await this.chatId(input.to);
    const poll = this.options.createContent.poll(input.question, input.options, {
      allowMultipleAnswers: input.multipleAnswers,
    });
    return this.send(chatId, poll, this.quoted(input.replyTo));
  }

  /** The library's message object for an operation on it; a permanent error when gone. */
  private async message(ref: MessageRef): Promise<WebjsMessage> {
    const client = this.readyClient();
    let message: WebjsMessage | null | undefined;
    try {
      message = await withTimeout(
        client.getMessageById(ref.waMessageId),
        this.options.sendTimeoutMs,
        "message lookup",
      );
    } catch (error) {
      throw classifySendError(error);
    }
    if (!message) throw new SendError("send_failed", "WhatsApp no longer has this message", true);
    return message;
  }

  private async onMessage(ref: MessageRef, what: string, run: (m: WebjsMessage) => unknown) {
    const message = await this.message(ref);
    try {
      const result = await withTimeout(
        Promise.resolve(run(message)),
        this.options.sendTimeoutMs,
        what,
      );
      return result;
    } catch (error) {
      throw classifySendError(error);
    }
  }

  /** `msg.react(emoji)`; an empty emoji removes our reaction. */
  async react(ref: MessageRef, emoji: string): Promise<void> {
    await this.onMessage(ref, "react", (m) => m.react?.(emoji));
  }

  /** `msg.edit(text)`; the library answers null when WhatsApp refuses (window passed, not ours). */
  async edit(ref: MessageRef, text: string): Promise<void> {
    const edited = await this.onMessage(ref, "edit", (m) => m.edit?.(text));
    if (!edited) throw new SendError("send_failed", "WhatsApp refused the edit", true);
  }

  /** `msg.delete(true)`: deleted for everyone. */
  async revoke(ref: MessageRef): Promise<void> {
    await this.onMessage(ref, "revoke", (m) => m.delete?.(true));
  }

  /** The last `RECENT_MEDIA_MAX` inbound media messages, by id, for `downloadMedia`. */
  private readonly recentMedia = new Map<string, WebjsMessage>();

  private rememberMedia(message: WebjsMessage): void {
    this.recentMedia.set(message.id._serialized, message);
    if (this.recentMedia.size > RECENT_MEDIA_MAX) {
      const oldest = this.recentMedia.keys().next().value;
      if (oldest !== undefined) this.recentMedia.delete(oldest);
    }
  }

  /**
   * The library's `msg.downloadMedia()` (the message as it arrived, else `getMessageById`):
   * refused before the download when WhatsApp announced a size above `maxBytes`, and after
   * it when the bytes are. Null when the message or its media is gone.
   */
  async downloadMedia(waMessageId: string, maxBytes: number): Promise<DownloadedMedia | null> {
    let message: WebjsMessage | null | undefined = this.recentMedia.get(waMessageId);
    if (!message) {
      message = await withTimeout(
        this.readyClient().getMessageById(waMessageId),
        this.options.sendTimeoutMs,
        "message lookup",
      );
    }
    if (!message?.hasMedia || !message.downloadMedia) return null;
    const announced = message._data?.size;
    if (typeof announced === "number" && announced > maxBytes) {
      throw new MediaTooLargeError(announced);
    }
    const media = await withTimeout(
      message.downloadMedia(),
      this.options.sendTimeoutMs,
      "media download",
    );
    // The library answers nothing when WhatsApp's media server did not give the file (often
    // passing): a failure the worker retries, with the message still at hand.
    if (!media?.data) throw new Error("WhatsApp gave no media data");
    this.recentMedia.delete(waMessageId);
    const data = Buffer.from(media.data, "base64");
    if (data.length > maxBytes) throw new MediaTooLargeError(data.length);
    return { data, mimeType: media.mimetype, filename: media.filename ?? null };
  }

  /** Calls announced in the last 2 minutes, by id, for `rejectCall`. */
  private readonly calls = new Map<string, WebjsCall>();

  /** The library's `call.reject()`. */
  async rejectCall(callId: string): Promise<void> {
    const call = this.calls.get(callId);
    if (!call) throw new SendError("send_failed", "the call is no longer known", true);
    this.calls.delete(callId);
    await withTimeout(Promise.resolve(call.reject()), this.options.sendTimeoutMs, "reject call");
  }

  /** `client.sendSeen(chatId)`. */
  async markRead(chat: string): Promise<void> {
    const chatId = await this.chatId(chat);
    try {
      await withTimeout(this.readyClient().sendSeen(chatId), this.options.sendTimeoutMs, "seen");
    } catch (error) {
      throw classifySendError(error);
    }
  }

  /** The chat's `sendStateTyping()` / `sendStateRecording()` / `clearState()`. */
  async setPresence(chat: string, state: "typing" | "recording" | "paused"): Promise<void> {
    const chatId = await this.chatId(chat);
    try {
      const found = await this.readyClient().getChatById(chatId);
      const run =
        state === "typing"
          ? found.sendStateTyping?.()
          : state === "recording"
            ? found.sendStateRecording?.()
            : found.clearState?.();
      await withTimeout(Promise.resolve(run), this.options.sendTimeoutMs, "presence");
    } catch (error) {
      throw classifySendError(error);
    }
  }

  // Groups (issue 12): see webjs-groups.ts for the library calls.
  private groups(): WebjsGroupContext {
    return {
      client: this.readyClient(),
      timeoutMs: this.options.sendTimeoutMs,
      classify: classifySendError,
    };
  }

  async listGroups(): Promise<GroupInfo[]> {
    return webjsListGroups(this.groups());
  }

  async createGroup(subject: string, participants: string[]): Promise<GroupInfo> {
    return webjsCreateGroup(this.groups(), subject, participants);
  }

  async getGroup(group: string): Promise<GroupInfo> {
    return webjsGetGroup(this.groups(), group);
  }

  async changeGroupParticipants(
    group: string,
    action: GroupParticipantAction,
    phones: string[],
  ): Promise<GroupInfo> {
    return webjsChangeParticipants(this.groups(), group, action, phones);
  }

  async updateGroup(
    group: string,
    change: { subject?: string; description?: string },
  ): Promise<GroupInfo> {
    return webjsUpdateGroup(this.groups(), group, change);
  }

  async leaveGroup(group: string): Promise<void> {
    return webjsLeaveGroup(this.groups(), group);
  }

  /** `getNumberId` per phone, then `getContactLidAndPhone` for those on WhatsApp. */
  async checkNumbers(phones: string[]): Promise<NumberLookup[]> {
    const client = this.readyClient();
    const out: NumberLookup[] = [];
    for (const phone of phones) {
      let id: { _serialized: string } | null;
      try {
        id = await client.getNumberId(phone.replace(/\D/g, ""));
      } catch (error) {
        throw classifySendError(error);
      }
      if (!id) {
        out.push({ phone, onWhatsApp: false, waId: null, lid: null });
        continue;
      }
      const who = await this.identify(client, id._serialized);
      out.push({ phone, onWhatsApp: true, waId: id._serialized, lid: who.lid });
    }
    return out;
  }

  /**
   * A contact's about text (`getContactById(id)` then the contact's `getAbout()`) and
   * profile picture URL (`getProfilePicUrl(id)`), each null when the library answers
   * nothing or throws (hidden by privacy settings, no picture, unknown user). `chat` is a
   * phone (E.164, as `<digits>@c.us`) or a `…@lid` id.
   */
  async getProfile(chat: string): Promise<ContactProfile> {
    const client = this.readyClient();
    const id = chat.includes("@") ? chat : `${chat.replace(/\D/g, "")}@c.us`;
    const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
    let about: string | null = null;
    try {
      const contact = (await withTimeout(client.getContactById(id), 5_000, "contact")) as {
        getAbout?: () => Promise<unknown>;
      } | null;
      if (contact && typeof contact.getAbout === "function") {
        about = text(await withTimeout(contact.getAbout(), 5_000, "about"));
      }
    } catch {
      about = null;
    }
    let profilePictureUrl: string | null = null;
    try {
      if (client.getProfilePicUrl) {
        profilePictureUrl = text(
          await withTimeout(client.getProfilePicUrl(id), 5_000, "profile picture"),
        );
      }
    } catch {
      profilePictureUrl = null;
    }
    return { about, profilePictureUrl };
  }

  /**
   * Phone (E.164) and LID of a user id (`@c.us` or `@lid`) through the library's
   * `getContactLidAndPhone`; what cannot be resolved stays null (never throws).
   */
  private async identify(
    client: WebjsClient,
    userId: string,
  ): Promise<{ phone: string | null; lid: string | null }> {
    const known = {
      phone: userId.endsWith("@c.us") ? jidToE164(userId) : null,
      lid: isLid(userId) ? userId : null,
    };
    if (!userId || (known.phone && known.lid)) return known;
    try {
      const [found] = await withTimeout(
        client.getContactLidAndPhone([userId]),
        5_000,
        "LID lookup",
      );
      return {
        phone: known.phone ?? (found?.pn ? jidToE164(found.pn) : null),
        lid: known.lid ?? found?.lid ?? null,
      };
    } catch {
      return known;
    }
  }

  private async send(
    chatId: string,
    content: unknown,
    options?: Record<string, unknown>,
  ): Promise<SendResult> {
    const client = this.readyClient();
    try {
      const sent = await withTimeout(
        client.sendMessage(chatId, content, options),
        this.options.sendTimeoutMs,
        "send",
      );
      return { waMessageId: sent.id._serialized };
    } catch (error) {
      throw classifySendError(error);
    }
  }

  /**
   * Inbound 1:1 messages since `since` on the chats active since then (at most
   * `BACKFILL_CHATS` chats, `BACKFILL_PER_CHAT` messages each), oldest first.
   */
  async fetchMissed(since: Date): Promise<InboundMessage[]> {
    const client = this.readyClient();
    const after = since.getTime() / 1000;
    const chats = (await client.getChats())
      .filter(
        (chat) =>
          !chat.isGroup &&
          chat.id?._serialized.endsWith("@c.us") &&
          (chat.timestamp ?? Number.POSITIVE_INFINITY) >= after,
      )
      .sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0))
      .slice(0, BACKFILL_CHATS);
    const missed: InboundMessage[] = [];
    for (const chat of chats) {
      for (const message of await chat.fetchMessages({ limit: BACKFILL_PER_CHAT })) {
        const inbound = message.timestamp >= after ? toInbound(message) : null;
        if (inbound && !inbound.from) {
          const who = await this.identify(client, inbound.fromLid ?? "");
          if (!who.phone) continue;
          inbound.from = who.phone;
        }
        if (inbound) missed.push(inbound);
      }
    }
    return missed.sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  /**
   * whatsapp-web.js cannot attach our id to a message, so an earlier attempt is recognised by
   * content: our own message in that chat, sent since the attempt began, of the same kind
   * with the same content (`sentMatches`): a text by its body; a location by its
   * coordinates; contact cards by their count and each card's `waid`; a poll by question
   * and options; media by its WhatsApp type, caption and (documents) filename. Residual
   * risk: two identical messages to the same recipient within that window would be taken
   * for one.
   */
  async findSent(input: FindSentInput): Promise<SendResult | null> {
    const client = this.readyClient();
    const id = await client.getNumberId(input.to.replace(/^\+/, ""));
    if (!id) return null;
    const chat = await client.getChatById(id._serialized);
    const recent = await chat.fetchMessages({ limit: 50, fromMe: true });
    const since = input.since.getTime() / 1000 - 5;
    const match = recent.find((m) => m.fromMe && m.timestamp >= since && sentMatches(m, input));
    return match ? { waMessageId: match.id._serialized } : null;
  }
}

/** whatsapp-web.js message types a media send of ours can come back as. */
const MEDIA_WEBJS_TYPES: Partial<Record<MessageType, string[]>> = {
  image: ["image"],
  video: ["video"],
  audio: ["audio", "ptt"],
  voice: ["ptt", "audio"],
  document: ["document"],
  sticker: ["sticker"],
};

const sameNumber = (a: number | string | undefined, b: number) =>
  a !== undefined && Math.abs(Number(a) - b) < 1e-6;

/** Whether a message of ours in the chat is the send `input` describes (see `findSent`). */
export function sentMatches(m: WebjsMessage, input: FindSentInput): boolean {
  // A caller that names no type: a text, or (no text) any media, as before issue 12.
  if (input.type === undefined && input.text === null) return Boolean(m.hasMedia);
  const type = input.type ?? "text";
  const payload = input.payload ?? {};
  switch (type) {
    case "text":
      return m.type === "chat" && m.body === (input.text ?? "");
    case "location": {
      const at = payload.location;
      return (
        m.type === "location" &&
        at !== undefined &&
        sameNumber(m.location?.latitude, at.latitude) &&
        sameNumber(m.location?.longitude, at.longitude)
      );
    }
    case "contact": {
      const cards = payload.contacts ?? [];
      if (m.type !== "vcard" && m.type !== "multi_vcard") return false;
      const vcards = m.vCards?.length ? m.vCards : [m.body];
      return (
        vcards.length === cards.length &&
        cards.every((card, i) => {
          const digits = (card.phones[0] ?? "").replace(/\D/g, "");
          return digits !== "" && (vcards[i] ?? "").includes(`waid=${digits}`);
        })
      );
    }
    case "poll": {
      const poll = payload.poll;
      return (
        m.type === "poll_creation" &&
        poll !== undefined &&
        m.pollName === poll.question &&
        JSON.stringify((m.pollOptions ?? []).map((o) => o.name)) === JSON.stringify(poll.options)
      );
    }
    default: {
      const kinds = MEDIA_WEBJS_TYPES[type];
      if (!m.hasMedia || (kinds && !kinds.includes(m.type))) return false;
      if ((m.body || null) !== (input.text || null)) return false;
      const filename = input.media?.filename;
      const theirs = m._data?.filename;
      return type !== "document" || !filename || !theirs || theirs === filename;
    }
  }
}

/** Maps a whatsapp-web.js send failure to a code: rate limiting, timeouts, the rest transient. */
export function classifySendError(error: unknown): SendError {
  if (error instanceof SendError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/rate|too many|429|throttl/i.test(message)) {
    return new SendError("rate_limited", "WhatsApp is rate limiting this session", false);
  }
  if (/timed out|timeout/i.test(message)) {
    return new SendError("send_timeout", "sending timed out", false);
  }
  if (/session closed|target closed|not connected|detached/i.test(message)) {
    return new SendError("session_not_ready", "the WhatsApp page is gone", false);
  }
  return new SendError("send_failed", message.slice(0, 300), false);
}
