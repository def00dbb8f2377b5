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
}

/** The part of a whatsapp-web.js chat the driver reads. */
export interface WebjsChat {
  id?: WebjsMessageId;
  isGroup?: boolean;
  /** Unix seconds of the last message. */
  timestamp?: number;
  fetchMessages(options: { limit: number; fromMe?: boolean }): Promise<WebjsMessage[]>;
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
