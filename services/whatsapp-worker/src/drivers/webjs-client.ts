import type { EventEmitter } from "node:events";
import { createRequire } from "node:module";

export interface WebjsMessageId {
  _serialized: string;
}

/** The part of a whatsapp-web.js message the driver reads. */
export interface WebjsMessage {
  id: WebjsMessageId;
  from: string;
  body: string;
  type: string;
  fromMe: boolean;
  hasMedia?: boolean;
  /** Unix seconds. */
  timestamp: number;
  /**
   * The library's raw data: the sender's push name (`notifyName`); for media, `mimetype`,
   * `filename` and `size` (bytes) when WhatsApp announced them.
   */
  _data?: { notifyName?: string; mimetype?: string; filename?: string; size?: number } | undefined;
  /** whatsapp-web.js `MessageMedia` (base64 `data`), undefined when it is gone. */
  downloadMedia?(): Promise<
    | { mimetype: string; data: string; filename?: string | null; filesize?: number | null }
    | undefined
  >;
  /** A location message's place (`type` `location`). */
  location?: { latitude: number | string; longitude: number | string } | undefined;
  /** Contact cards (`type` `vcard` / `multi_vcard`): one vCard string each. */
  vCards?: string[] | undefined;
  /** A poll (`type` `poll_creation`): its question and options. */
  pollName?: string | undefined;
  pollOptions?: Array<{ name: string; localId?: number }> | undefined;
  react?(emoji: string): Promise<unknown>;
  edit?(content: string, options?: Record<string, unknown>): Promise<unknown>;
  delete?(everyone?: boolean, clearMedia?: boolean): Promise<unknown>;
}

/** whatsapp-web.js `Reaction` (event `message_reaction`). */
export interface WebjsReaction {
  msgId: WebjsMessageId;
  /** Empty when the reaction was removed. */
  reaction: string;
  senderId: string;
  /** Unix seconds (some versions: milliseconds). */
  timestamp: number;
  id?: { fromMe?: boolean } | undefined;
}

/** whatsapp-web.js `Call` (event `call`). */
export interface WebjsCall {
  id: string;
  from?: string | undefined;
  /** Unix seconds. */
  timestamp: number;
  isVideo: boolean;
  isGroup: boolean;
  fromMe: boolean;
  reject(): Promise<unknown>;
}

/** whatsapp-web.js `PollVote` (event `vote_update`). */
export interface WebjsPollVote {
  voter: string;
  selectedOptions: Array<{ name?: string | undefined; localId: number }>;
  /** Milliseconds. */
  interractedAtTs: number;
  parentMsgKey?: WebjsMessageId | undefined;
  parentMessage?: { id?: WebjsMessageId; pollOptions?: Array<{ name: string; localId: number }> };
}

/** The part of whatsapp-web.js `Client` the driver uses (tests pass a fake EventEmitter). */
export interface WebjsClient extends EventEmitter {
  info?: { wid?: { user?: string } } | undefined;
  /** Set by `initialize()` once the browser is up (puppeteer Browser and Page). */
  pupBrowser?: { on(event: "disconnected", listener: () => void): unknown } | null;
  pupPage?: { on(event: "error", listener: (error: Error) => void): unknown } | null;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  logout(): Promise<void>;
  getState(): Promise<string | null>;
  getNumberId(number: string): Promise<WebjsMessageId | null>;
  sendMessage(
    chatId: string,
    content: unknown,
    options?: Record<string, unknown>,
  ): Promise<{ id: WebjsMessageId }>;
  getChatById(chatId: string): Promise<WebjsChat>;
  /** A stored message by its serialized id (null when the page does not have it). */
  getMessageById(messageId: string): Promise<WebjsMessage | null | undefined>;
  /** `[{lid, pn}]` (serialized ids, either may be undefined) for user ids (`@c.us` or `@lid`). */
  getContactLidAndPhone(
    userIds: string[],
  ): Promise<Array<{ lid?: string | undefined; pn?: string | undefined }>>;
  /** Marks the chat as read. */
  sendSeen(chatId: string): Promise<boolean>;
  /**
   * A WhatsApp contact (for contact-card lists, and its `getAbout()` for a profile: the
   * library's `Contact`, typed loosely since only that method is read).
   */
  getContactById(contactId: string): Promise<unknown>;
  /** A user's profile picture URL (undefined when hidden or none). Optional for stand-ins. */
  getProfilePicUrl?(contactId: string): Promise<string | undefined | null>;
  /** Chats with their last activity (unix seconds), for the backfill after a reconnect. */
  getChats(): Promise<WebjsChat[]>;
  /**
   * Starts linking by phone number (`phoneNumber`: digits only, country code first) and
   * answers the code (`ABCDEFGH`); only while the page waits for a QR scan.
   */
  requestPairingCode(
    phoneNumber: string,
    showNotification?: boolean,
    intervalMs?: number,
  ): Promise<string>;
  /**
   * Groups (issue 12): the library answers `{gid, participants}` or, on failure, a string.
   * Optional so test stand-ins need not have it.
   */
  createGroup?(title: string, participants: string[]): Promise<WebjsCreateGroupResult | string>;
}

/** whatsapp-web.js `createGroup` answer. */
export interface WebjsCreateGroupResult {
  title?: string;
  gid: WebjsMessageId;
  participants?: Record<string, { statusCode?: number; message?: string }>;
}

/** A participant of a whatsapp-web.js `GroupChat`. */
export interface WebjsGroupParticipant {
  id: WebjsMessageId;
  isAdmin?: boolean;
  isSuperAdmin?: boolean;
}

/** whatsapp-web.js `GroupNotification` (events `group_join`, `group_leave`, `group_admin_changed`, `group_update`). */
export interface WebjsGroupNotification {
  chatId: string;
  /** `add`, `invite`, `remove`, `leave`, `promote`, `demote`, `subject`, `description`, `picture`, `announce`, `restrict`, … */
  type: string;
  /** The new subject/description for those updates. */
  body?: string;
  author?: string | undefined;
  recipientIds?: string[];
  /** Unix seconds. */
  timestamp: number;
  id?: { fromMe?: boolean } | undefined;
}

/** The part of a whatsapp-web.js chat the driver reads. */
export interface WebjsChat {
  id?: WebjsMessageId;
  isGroup?: boolean;
  /** Unix seconds of the last message. */
  timestamp?: number;
  fetchMessages(options: { limit: number; fromMe?: boolean }): Promise<WebjsMessage[]>;
  // whatsapp-web.js `GroupChat` (when `isGroup`).
  name?: string;
  description?: string;
  owner?: WebjsMessageId | undefined;
  createdAt?: Date | undefined;
  participants?: WebjsGroupParticipant[];
  addParticipants?(ids: string[]): Promise<unknown>;
  removeParticipants?(ids: string[]): Promise<unknown>;
  promoteParticipants?(ids: string[]): Promise<unknown>;
  demoteParticipants?(ids: string[]): Promise<unknown>;
  setSubject?(subject: string): Promise<boolean>;
  setDescription?(description: string): Promise<boolean>;
  getInviteCode?(): Promise<string>;
  leave?(): Promise<unknown>;
  sendStateTyping?(): Promise<unknown>;
  sendStateRecording?(): Promise<unknown>;
  clearState?(): Promise<unknown>;
}

export interface WebjsClientSpec {
  sessionId: string;
  /** RemoteAuth store (`PostgresAuthStore`). */
  store: unknown;
  dataPath: string;
  executablePath: string;
  /** Chromium flags. */
  args: string[];
  backupSyncIntervalMs: number;
}

export type WebjsClientFactory = (spec: WebjsClientSpec) => WebjsClient;
/** Builds the media object `sendMessage` takes (whatsapp-web.js `MessageMedia`). */
export type WebjsMediaFactory = (
  mimeType: string,
  base64: string,
  filename: string | null,
) => unknown;

/** Builds whatsapp-web.js `Location` and `Poll` content objects (tests pass plain records). */
export interface WebjsContentFactory {
  location(
    latitude: number,
    longitude: number,
    options: { name?: string; address?: string },
  ): unknown;
  poll(name: string, options: string[], sendOptions: { allowMultipleAnswers: boolean }): unknown;
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: whatsapp-web.js is CommonJS and loaded lazily (puppeteer is heavy)
const loadWebjs = (): any => require("whatsapp-web.js");

/** The real whatsapp-web.js Client with RemoteAuth and the system Chromium, loaded on first use. */
export const realWebjsClient: WebjsClientFactory = (spec) => {
  const { Client, RemoteAuth } = loadWebjs();
  return new Client({
    authStrategy: new RemoteAuth({
      clientId: spec.sessionId,
      dataPath: spec.dataPath,
      store: spec.store,
      backupSyncIntervalMs: spec.backupSyncIntervalMs,
    }),
    puppeteer: { executablePath: spec.executablePath, headless: true, args: spec.args },
  }) as WebjsClient;
};

export const realWebjsMedia: WebjsMediaFactory = (mimeType, base64, filename) => {
  const { MessageMedia } = loadWebjs();
  return new MessageMedia(mimeType, base64, filename ?? undefined);
};

export const realWebjsContent: WebjsContentFactory = {
  location: (latitude, longitude, options) => {
    const { Location } = loadWebjs();
    return new Location(latitude, longitude, options);
  },
  poll: (name, options, sendOptions) => {
    const { Poll } = loadWebjs();
    return new Poll(name, options, sendOptions);
  },
};
