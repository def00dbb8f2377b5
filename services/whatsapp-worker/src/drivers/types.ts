import type { EventEmitter } from "node:events";
import type {
  ContactProfile,
  Driver,
  GroupInfo,
  GroupParticipantAction,
  KeyMode,
  MessageType,
  SendErrorCode,
} from "@wagate/contracts";

/** Delivery state reported by WhatsApp for a message we sent. */
export type AckStatus = "failed" | "pending" | "sent" | "delivered" | "read";

/**
 * whatsapp-web.js `MessageAck` codes: -1 error, 0 pending, 1 server (sent), 2 device
 * (delivered), 3 read, 4 played (a voice note was played: read for us).
 */
export function ackFromWebjs(code: number): AckStatus | null {
  switch (code) {
    case -1:
      return "failed";
    case 0:
      return "pending";
    case 1:
      return "sent";
    case 2:
      return "delivered";
    case 3:
    case 4:
      return "read";
    default:
      return null;
  }
}

export interface InboundMessage {
  waMessageId: string;
  /** The sender in E.164 (`+213...`). */
  from: string;
  /** The sender's LID (`…@lid`) when known. */
  fromLid?: string | null;
  /** The sender's WhatsApp display name when known. */
  pushName?: string | null;
  type: MessageType;
  text: string | null;
  at: Date;
  /**
   * Media carried by the message (issue 12, inbound media): what is known before the
   * download (`size` null when the driver does not say). The bytes come from `downloadMedia`.
   */
  media?: InboundMediaInfo | null;
}

export interface InboundMediaInfo {
  mimeType: string | null;
  filename: string | null;
  size: number | null;
}

/** Media bytes as a driver downloaded them. */
export interface DownloadedMedia {
  data: Buffer;
  mimeType: string;
  filename: string | null;
}

export interface DriverAck {
  waMessageId: string;
  status: AckStatus;
  at: Date;
}

/** A reaction someone put on (or removed from: empty `emoji`) a message of this session. */
export interface InboundReaction {
  /** The message reacted to. */
  waMessageId: string;
  /** The reactor in E.164, when known; `fromLid` its LID when known. */
  from: string | null;
  fromLid: string | null;
  emoji: string;
  /** Sent from this session's own phone (or by us through the API). */
  fromMe: boolean;
  at: Date;
}

/** A vote on a poll this session sent: the voter's whole current choice. */
export interface InboundPollVote {
  /** The poll message. */
  waMessageId: string;
  voter: string | null;
  voterLid: string | null;
  /** Names of the selected options (empty: the vote was withdrawn). */
  options: string[];
  at: Date;
}

/** An incoming WhatsApp call. */
export interface InboundCall {
  id: string;
  from: string | null;
  fromLid: string | null;
  isVideo: boolean;
  isGroup: boolean;
  at: Date;
}

/** Someone in a group event: phone (E.164) and LID, either null when unknown. */
export interface GroupPerson {
  phone: string | null;
  lid: string | null;
}

/** People added to, removed from, promoted or demoted in a group of this session. */
export interface GroupParticipantsChange {
  group: string;
  action: GroupParticipantAction;
  participants: GroupPerson[];
  by: GroupPerson | null;
  at: Date;
}

/** A group's subject, description, picture or settings changed. */
export interface GroupChange {
  group: string;
  field: "subject" | "description" | "picture" | "settings";
  value: string | null;
  by: GroupPerson | null;
  at: Date;
}

/** A group operation on a group this session is not in (or that does not exist). */
export class GroupNotFoundError extends Error {
  constructor(group: string) {
    super(`group ${group} not found on this session`);
    this.name = "GroupNotFoundError";
  }
}

/** Events every driver emits (the names follow whatsapp-web.js where they exist). */
export interface DriverEvents {
  qr: [qr: string];
  authenticated: [];
  ready: [info: { phoneNumber: string | null }];
  disconnected: [reason: string];
  auth_failure: [message: string];
  ack: [ack: DriverAck];
  message: [message: InboundMessage];
  /** Raw connection state changes (e.g. `CONNECTED`, `CONFLICT`, `recycling`). */
  state: [state: string];
  reaction: [reaction: InboundReaction];
  poll_vote: [vote: InboundPollVote];
  call: [call: InboundCall];
  group_participants: [change: GroupParticipantsChange];
  group_update: [change: GroupChange];
}

export interface SendTextInput {
  /** Recipient in E.164, or a group id (`…@g.us`). */
  to: string;
  text: string;
  /** Our message id: the simulator records it, webjs uses it to find an earlier attempt. */
  reference: string;
  replyTo?: string | null;
  /** Phones (E.164) mentioned in the text. */
  mentions?: string[] | null;
}

/** How a media file is sent: a voice note (push-to-talk), a sticker, a document, or as is. */
export type MediaSendKind = "default" | "voice" | "sticker" | "document";

export interface SendMediaInput {
  to: string;
  reference: string;
  media: { data: Buffer; mimeType: string; filename: string | null };
  caption: string | null;
  /** Default `default` (the library picks from the MIME type). */
  sendAs?: MediaSendKind;
  replyTo?: string | null;
}

interface RichSendBase {
  to: string;
  reference: string;
  replyTo?: string | null;
}

export interface SendLocationInput extends RichSendBase {
  latitude: number;
  longitude: number;
  name: string | null;
  address: string | null;
}

export interface ContactCard {
  name: string;
  phones: string[];
  email: string | null;
  organization: string | null;
}

export interface SendContactInput extends RichSendBase {
  contacts: ContactCard[];
}

export interface SendPollInput extends RichSendBase {
  question: string;
  options: string[];
  multipleAnswers: boolean;
}

/** An operation on a message already sent or received (react, edit, revoke). */
export interface MessageRef {
  /** The chat: a phone (E.164) or a WhatsApp id (`…@g.us`, `…@lid`). */
  chat: string;
  waMessageId: string;
}

/** A number check: whether a phone has WhatsApp, its id and its LID when known. */
export interface NumberLookup {
  phone: string;
  onWhatsApp: boolean;
  waId: string | null;
  lid: string | null;
}

/** A vCard 3.0 for a shared contact (`TEL;type=CELL;waid=<digits>` lets WhatsApp link it). */
export function toVcard(card: ContactCard): string {
  const esc = (v: string) =>
    v
      .replace(/\\/g, "\\\\")
      .replace(/[,;]/g, (c) => `\\${c}`)
      .replace(/\r?\n/g, "\\n");
  const lines = ["BEGIN:VCARD", "VERSION:3.0", `FN:${esc(card.name)}`, `N:${esc(card.name)};;;;`];
  if (card.organization) lines.push(`ORG:${esc(card.organization)}`);
  for (const phone of card.phones) {
    const digits = phone.replace(/\D/g, "");
    lines.push(`TEL;type=CELL;type=VOICE;waid=${digits}:${phone}`);
  }
  if (card.email) lines.push(`EMAIL:${esc(card.email)}`);
  lines.push("END:VCARD");
  return lines.join("\n");
}

export interface SendResult {
  waMessageId: string;
}

/** What a send that may already have gone out looked like (for the crash-window check). */
export interface FindSentInput {
  to: string;
  reference: string;
  text: string | null;
  /** When the earlier attempt started. */
  since: Date;
  /**
   * The message's type and content (issue 12), so a driver that recognises an earlier
   * attempt by content (webjs) matches a location, contact card, poll or media by what it
   * is, not by its text alone. Absent: a text.
   */
  type?: MessageType;
  payload?: {
    location?: { latitude: number; longitude: number } | undefined;
    contacts?: Array<{ name: string; phones: string[] }> | undefined;
    poll?: { question: string; options: string[] } | undefined;
  } | null;
  media?: { mimeType: string | null; filename: string | null } | null;
}

/**
 * A failed send. `permanent` failures fail the message at once (no retry); others are
 * retried with backoff. `rate_limited` pauses the whole session for `retryAfterMs`.
 */
export class SendError extends Error {
  constructor(
    public readonly code: SendErrorCode,
    message: string,
    public readonly permanent: boolean,
    public readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "SendError";
  }
}

/** Why a pairing code could not be had: the API maps `reason` to its answer. */
export type PairingCodeFailure = "unsupported" | "not_waiting" | "failed";

export class PairingCodeError extends Error {
  constructor(
    public readonly reason: PairingCodeFailure,
    message: string,
  ) {
    super(message);
    this.name = "PairingCodeError";
  }
}

/** WhatsApp's 8-character pairing code as the phone shows it: `ABCD-EFGH`. */
export function formatPairingCode(code: string): string {
  const plain = code.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
  if (plain.length !== 8) throw new PairingCodeError("failed", "WhatsApp gave no usable code");
  return `${plain.slice(0, 4)}-${plain.slice(4)}`;
}

export interface WhatsAppDriver extends EventEmitter<DriverEvents> {
  readonly kind: Driver;
  /** Opens the session: emits `qr` until linked, then `authenticated` and `ready`. */
  start(): Promise<void>;
  /** Closes the session and keeps its stored auth (another worker may reopen it). */
  stop(): Promise<void>;
  /** Logs the device out and forgets the stored auth. */
  logout(): Promise<void>;
  sendText(input: SendTextInput): Promise<SendResult>;
  sendMedia(input: SendMediaInput): Promise<SendResult>;
  getState(): Promise<string | null>;
  /** Looks for an earlier attempt of this send that reached WhatsApp (null: not found). */
  findSent(input: FindSentInput): Promise<SendResult | null>;
  /** Drivers with a browser (webjs): resident memory of its process tree in bytes. */
  browserMemoryBytes?(): Promise<number>;
  /** Drivers with a browser: when the current one was opened (ms since the epoch). */
  readonly openedAt?: number;
  /**
   * Drivers that can read chat history (webjs): inbound 1:1 messages received since `since`
   * on recent chats, oldest first, for the backfill after a reconnect.
   */
  fetchMissed?(since: Date): Promise<InboundMessage[]>;
  /**
   * Drivers that can link by phone number: the code (`ABCD-EFGH`) to type on that phone
   * (WhatsApp › Linked devices › Link with phone number), asked while the session waits for
   * a scan; `phone` is E.164. Throws `PairingCodeError` (`not_waiting` outside that stage).
   */
  requestPairingCode?(phone: string): Promise<string>;
  /** Drivers with a browser: replaces it keeping the auth (`disconnected`, then `ready`). */
  recycle?(reason: string): Promise<void>;
  // Rich messaging (issue 12). Optional so test stand-ins need not implement them; both
  // real drivers do. A missing one fails the message as unsupported (see send/dispatch.ts).
  sendLocation?(input: SendLocationInput): Promise<SendResult>;
  sendContact?(input: SendContactInput): Promise<SendResult>;
  sendPoll?(input: SendPollInput): Promise<SendResult>;
  /** Puts (or with an empty `emoji`, removes) our reaction on a message. */
  react?(ref: MessageRef, emoji: string): Promise<void>;
  /** Edits the text of a message we sent (within WhatsApp's window). */
  edit?(ref: MessageRef, text: string): Promise<void>;
  /** Deletes a message we sent for everyone. */
  revoke?(ref: MessageRef): Promise<void>;
  /** Rejects an incoming call (by the id of its `call` event). */
  rejectCall?(callId: string): Promise<void>;
  /** Marks a chat (phone E.164 or `…@g.us`) as read ("send seen"). */
  markRead?(chat: string): Promise<void>;
  /** Shows typing or recording in a chat, or clears it (`paused`). */
  setPresence?(chat: string, state: "typing" | "recording" | "paused"): Promise<void>;
  /** Whether each phone (E.164) has WhatsApp, with its id and LID when known. */
  checkNumbers?(phones: string[]): Promise<NumberLookup[]>;
  /**
   * A contact's "about" text and profile picture URL (`chat`: phone E.164 or `…@lid`);
   * each null when hidden, unknown or not answered.
   */
  getProfile?(chat: string): Promise<ContactProfile>;
  // Groups (issue 12). `group` is a `…@g.us` id, phones E.164. An unknown group (or one
  // this session is not in) throws `GroupNotFoundError`.
  /** The session's groups (`inviteCode` null: not fetched for a list). */
  listGroups?(): Promise<GroupInfo[]>;
  createGroup?(subject: string, participants: string[]): Promise<GroupInfo>;
  /** One group with its invite code (null when this session is not an admin). */
  getGroup?(group: string): Promise<GroupInfo>;
  /** Adds, removes, promotes or demotes participants; answers the group afterwards. */
  changeGroupParticipants?(
    group: string,
    action: GroupParticipantAction,
    phones: string[],
  ): Promise<GroupInfo>;
  updateGroup?(
    group: string,
    change: { subject?: string; description?: string },
  ): Promise<GroupInfo>;
  leaveGroup?(group: string): Promise<void>;
  /**
   * The media of an inbound message this driver reported (by its WhatsApp id); null when it
   * is no longer available. `maxBytes`: a driver that knows the size first refuses above it
   * by throwing `MediaTooLargeError`.
   */
  downloadMedia?(waMessageId: string, maxBytes: number): Promise<DownloadedMedia | null>;
}

/** Thrown by `downloadMedia` for media above the caller's cap. */
export class MediaTooLargeError extends Error {
  constructor(readonly size: number) {
    super(`media of ${size} bytes is above the cap`);
    this.name = "MediaTooLargeError";
  }
}

export interface DriverSession {
  id: string;
  userId: string;
  driver: Driver;
  mode: KeyMode;
}

export type DriverFactory = (session: DriverSession) => WhatsAppDriver;
