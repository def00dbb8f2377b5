import { createHash, randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type {
  ContactProfile,
  GroupInfo,
  GroupMember,
  GroupParticipantAction,
  KeyMode,
} from "@wagate/contracts";
import {
  processSimGroups,
  type SimGroupStore,
  simGroupChange,
  simGroupCreate,
  simGroupGet,
  simGroupLeave,
  simGroupList,
  simGroupUpdate,
} from "./sim-groups.js";
import { type SimulatedNetwork, simulatedNetwork } from "./sim-network.js";
import { memorySimulatorServers, type SimulatorServers } from "./sim-servers.js";
import {
  type DownloadedMedia,
  type DriverEvents,
  type FindSentInput,
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
  type WhatsAppDriver,
} from "./types.js";

export type SimulatorProfile = "normal" | "fast";

export interface SimulatorOptions {
  sessionId: string;
  /** The session's key mode: anything but `test` is refused. */
  mode: KeyMode;
  /** `fast`: near-zero delays (tests, benchmarks). Default `normal`. */
  profile?: SimulatorProfile;
  /** How long the QR shows before the session links. Default 2000 (fast: 10). */
  linkDelayMs?: number;
  /** How often the QR string rotates. Default 20000. */
  qrRotateMs?: number;
  /** Delays after a send before each ack. Default 300/1500/4000 ms (fast: 1/2/3 ms). */
  ackDelays?: { sent: number; delivered: number; read: number };
  /** Delay before the simulated recipient answers an `echo ...` message. Default 500 (fast: 5). */
  replyDelayMs?: number;
  /** An in-memory network (tests that read it synchronously); ignored when `servers` is given. */
  network?: SimulatedNetwork;
  /**
   * "WhatsApp's servers": linked devices and deliveries. Default: the process-wide in-memory
   * network; workers pass `postgresSimulatorServers(db)` so every process shares them.
   */
  servers?: SimulatorServers;
  /** Where groups are kept: workers pass `postgresSimGroups(db)`; default this process's memory. */
  groups?: SimGroupStore;
  now?: () => Date;
}

/**
 * Magic recipients (API.md): `...0000` is not on WhatsApp, `...0001` is sent but never
 * delivered, `...0002` fails once (transient) then succeeds.
 * A text starting with `echo ` makes the recipient reply with the rest of the text; a text
 * `leave` to a simulated group makes its last non-admin member leave it.
 */
export const SIM_MAGIC = { notOnWhatsApp: "0000", neverDelivered: "0001", failOnce: "0002" };

/**
 * The photo the simulated recipient sends on `send me a photo`: a 1x1 PNG (exact bytes, so
 * tests can compare what the media endpoint serves).
 */
export const SIM_PHOTO_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
/** The announced size of the document sent on `send me a big file` (20 MiB, above the default cap). */
export const SIM_BIG_FILE_BYTES = 20 * 1024 * 1024;

/** The LID WhatsApp would give a phone on the simulator: 15 digits from its hash, `@lid`. */
export function simulatedLid(phone: string): string {
  const digits = BigInt(
    `0x${createHash("sha256").update(`lid|${phone}`).digest("hex").slice(0, 14)}`,
  )
    .toString()
    .padStart(15, "1")
    .slice(-15);
  return `${digits}@lid`;
}

/**
 * What the simulator answers for a contact's profile (`GET /contacts/{phone}`): about
 * `Sim <last 4 digits> is available`, picture
 * `https://simulator.wagate.invalid/profile/<digits>.jpg` (a reserved domain: never fetched);
 * a phone ending in `0000` (not on WhatsApp) has neither.
 */
export function simulatedProfile(chat: string): ContactProfile {
  const digits = chat.replace(/@.*$/, "").replace(/\D/g, "");
  if (chat.endsWith(SIM_MAGIC.notOnWhatsApp) || digits === "") {
    return { about: null, profilePictureUrl: null };
  }
  return {
    about: `Sim ${digits.slice(-4)} is available`,
    profilePictureUrl: `https://simulator.wagate.invalid/profile/${digits}.jpg`,
  };
}

/** The phone number a simulator session links as: stable per session id. */
export function simulatedPhoneNumber(sessionId: string): string {
  const digits = BigInt(`0x${createHash("sha256").update(sessionId).digest("hex").slice(0, 12)}`)
    .toString()
    .padStart(8, "0")
    .slice(-8);
  return `+1555${digits}`;
}

/** WhatsApp's pairing-code alphabet: no 0/O or 1/I/L to misread. */
const PAIRING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The simulator's pairing code for a session and phone: `ABCD-EFGH`, stable for the pair. */
export function simulatedPairingCode(sessionId: string, phone: string): string {
  const digest = createHash("sha256").update(`${sessionId}|${phone}`).digest();
  const chars = [...digest.subarray(0, 8)].map((byte) => PAIRING_ALPHABET[byte % 30]);
  return `${chars.slice(0, 4).join("")}-${chars.slice(4).join("")}`;
}

/** An in-process WhatsApp stand-in with the same events as the webjs driver. */
export class SimulatorDriver extends EventEmitter<DriverEvents> implements WhatsAppDriver {
  readonly kind = "simulator" as const;
  private readonly timers = new Set<NodeJS.Timeout>();
  private qrTimer: NodeJS.Timeout | undefined;
  private state: "stopped" | "qr" | "ready" = "stopped";
  private readonly servers: SimulatorServers;
  private readonly groups: SimGroupStore;
  /** Bumped by start/stop/logout: a callback of an earlier run finds it changed and does nothing. */
  private generation = 0;
  private readonly opts: Required<
    Omit<SimulatorOptions, "network" | "servers" | "groups" | "now" | "profile">
  >;
  private readonly now: () => Date;
  readonly phoneNumber: string;

  constructor(options: SimulatorOptions) {
    super();
    if (options.mode !== "test") {
      throw new Error("the simulator driver serves test-mode sessions only");
    }
    const fast = options.profile === "fast";
    this.opts = {
      sessionId: options.sessionId,
      mode: options.mode,
      linkDelayMs: options.linkDelayMs ?? (fast ? 10 : 2000),
      qrRotateMs: options.qrRotateMs ?? 20_000,
      ackDelays:
        options.ackDelays ??
        (fast ? { sent: 1, delivered: 2, read: 3 } : { sent: 300, delivered: 1500, read: 4000 }),
      replyDelayMs: options.replyDelayMs ?? (fast ? 5 : 500),
    };
    this.servers = options.servers ?? memorySimulatorServers(options.network ?? simulatedNetwork);
    this.groups = options.groups ?? processSimGroups;
    this.now = options.now ?? (() => new Date());
    this.phoneNumber = simulatedPhoneNumber(options.sessionId);
  }

  async start(): Promise<void> {
    const generation = ++this.generation;
    this.emit("state", "OPENING");
    const linked = await this.servers.isLinked(this.opts.sessionId);
    if (generation !== this.generation) return;
    if (linked) {
      // A phone linked earlier (by any worker): reopen without a QR, like stored auth.
      this.later(0, () => void this.link(generation));
      return;
    }
    this.state = "qr";
    const showQr = () =>
      this.emit("qr", `sim:${this.opts.sessionId}:${randomBytes(12).toString("base64url")}`);
    this.later(0, showQr);
    this.qrTimer = setInterval(showQr, this.opts.qrRotateMs);
    this.later(this.opts.linkDelayMs, () => void this.link(generation));
  }

  private async link(generation: number): Promise<void> {
    clearInterval(this.qrTimer);
    try {
      await this.servers.link(this.opts.sessionId, this.phoneNumber, this.now());
    } catch {
      // The servers could not be reached: the session drops and is reopened later.
      if (generation !== this.generation) return;
      this.state = "stopped";
      this.emit("disconnected", "SIMULATOR_SERVERS_UNREACHABLE");
      return;
    }
    if (generation !== this.generation) return;
    this.state = "ready";
    this.emit("authenticated");
    this.emit("state", "CONNECTED");
    this.emit("ready", { phoneNumber: this.phoneNumber });
  }

  /**
   * A code derived from the session and the phone (the same pair gives the same code); the
   * session then links on its usual schedule, as after a QR scan.
   */
  async requestPairingCode(phone: string): Promise<string> {
    if (this.state !== "qr") {
      throw new PairingCodeError("not_waiting", "the session is not waiting to be linked");
    }
    return simulatedPairingCode(this.opts.sessionId, phone);
  }

  async stop(): Promise<void> {
    this.generation++;
    this.clearTimers();
    this.state = "stopped";
  }

  async logout(): Promise<void> {
    this.generation++;
    this.clearTimers();
    await this.servers.unlink(this.opts.sessionId);
    this.state = "stopped";
    this.emit("disconnected", "LOGOUT");
  }

  async getState(): Promise<string | null> {
    return this.state === "ready" ? "CONNECTED" : this.state === "qr" ? "UNPAIRED" : null;
  }

  async findSent(input: FindSentInput): Promise<SendResult | null> {
    return this.servers.find(input.reference);
  }

  async sendText(input: SendTextInput): Promise<SendResult> {
    return this.send(input.to, input.reference, input.text);
  }

  async sendMedia(input: SendMediaInput): Promise<SendResult> {
    return this.send(input.to, input.reference, input.caption);
  }

  async sendLocation(input: SendLocationInput): Promise<SendResult> {
    return this.send(
      input.to,
      input.reference,
      null,
      `location:${input.latitude},${input.longitude}`,
    );
  }

  async sendContact(input: SendContactInput): Promise<SendResult> {
    return this.send(
      input.to,
      input.reference,
      null,
      `contacts:${input.contacts.map((c) => c.name).join(",")}`,
    );
  }

  /** The recipient votes for the first option after `replyDelayMs` (a phone that never gets it does not). */
  async sendPoll(input: SendPollInput): Promise<SendResult> {
    const sent = await this.send(input.to, input.reference, null, `poll:${input.question}`);
    if (!input.to.endsWith(SIM_MAGIC.neverDelivered) && !input.to.endsWith("@g.us")) {
      this.later(this.opts.replyDelayMs, () =>
        this.emit("poll_vote", {
          waMessageId: sent.waMessageId,
          voter: input.to,
          voterLid: simulatedLid(input.to),
          options: input.options.slice(0, 1),
          at: this.now(),
        }),
      );
    }
    return sent;
  }

  private requireReady(): void {
    if (this.state !== "ready") {
      throw new SendError("session_not_ready", "the session is not connected", false);
    }
  }

  async react(_ref: MessageRef, _emoji: string): Promise<void> {
    this.requireReady();
  }

  async edit(_ref: MessageRef, _text: string): Promise<void> {
    this.requireReady();
  }

  async revoke(_ref: MessageRef): Promise<void> {
    this.requireReady();
  }

  /** Rejected calls, by id (tests read them). */
  readonly rejectedCalls: string[] = [];

  async rejectCall(callId: string): Promise<void> {
    this.requireReady();
    this.rejectedCalls.push(callId);
  }

  async markRead(_chat: string): Promise<void> {
    this.requireReady();
  }

  async setPresence(_chat: string, _state: "typing" | "recording" | "paused"): Promise<void> {
    this.requireReady();
  }

  /** Numbers ending in `0000` are not on WhatsApp; the others get a stable LID. */
  async checkNumbers(phones: string[]): Promise<NumberLookup[]> {
    this.requireReady();
    return phones.map((phone) =>
      phone.endsWith(SIM_MAGIC.notOnWhatsApp)
        ? { phone, onWhatsApp: false, waId: null, lid: null }
        : {
            phone,
            onWhatsApp: true,
            waId: `${phone.replace(/\D/g, "")}@c.us`,
            lid: simulatedLid(phone),
          },
    );
  }

  /** The fixed profile of a simulated user (`simulatedProfile`; `…0000` has none). */
  async getProfile(chat: string): Promise<ContactProfile> {
    this.requireReady();
    return simulatedProfile(chat);
  }

  // Groups (issue 12): kept per session in the `SimGroupStore` (`sim-groups.ts`).
  // WhatsApp tells every member about a change, us included: each change made here is
  // followed by its `group_participants` / `group_update` event after `replyDelayMs`.

  private member(phone: string): GroupMember {
    return { phone, lid: simulatedLid(phone), isAdmin: false, isSuperAdmin: false };
  }

  private get me() {
    return { phone: this.phoneNumber, lid: simulatedLid(this.phoneNumber) };
  }

  async listGroups(): Promise<GroupInfo[]> {
    this.requireReady();
    return simGroupList(this.groups, this.opts.sessionId);
  }

  /** Phones ending in `0000` (not on WhatsApp) are left out, as WhatsApp does. */
  async createGroup(subject: string, participants: string[]): Promise<GroupInfo> {
    this.requireReady();
    const members = [...new Set(participants)]
      .filter((p) => !p.endsWith(SIM_MAGIC.notOnWhatsApp) && p !== this.phoneNumber)
      .map((p) => this.member(p));
    return simGroupCreate(
      this.groups,
      this.opts.sessionId,
      { ...this.member(this.phoneNumber) },
      subject,
      members,
      this.now(),
    );
  }

  async getGroup(group: string): Promise<GroupInfo> {
    this.requireReady();
    return simGroupGet(this.groups, this.opts.sessionId, group);
  }

  async changeGroupParticipants(
    group: string,
    action: GroupParticipantAction,
    phones: string[],
  ): Promise<GroupInfo> {
    this.requireReady();
    const members = phones
      .filter((p) => !(action === "add" && p.endsWith(SIM_MAGIC.notOnWhatsApp)))
      .map((p) => this.member(p));
    const { group: info, changed } = await simGroupChange(
      this.groups,
      this.opts.sessionId,
      group,
      action,
      members,
      this.now(),
    );
    if (changed.length) this.announceParticipants(group, action, changed, this.me);
    return info;
  }

  async updateGroup(
    group: string,
    change: { subject?: string; description?: string },
  ): Promise<GroupInfo> {
    this.requireReady();
    const info = await simGroupUpdate(this.groups, this.opts.sessionId, group, change, this.now());
    for (const field of ["subject", "description"] as const) {
      const value = change[field];
      if (value === undefined) continue;
      this.later(this.opts.replyDelayMs, () =>
        this.emit("group_update", {
          group,
          field,
          value: value || null,
          by: this.me,
          at: this.now(),
        }),
      );
    }
    return info;
  }

  async leaveGroup(group: string): Promise<void> {
    this.requireReady();
    await simGroupLeave(this.groups, this.opts.sessionId, group);
  }

  private announceParticipants(
    group: string,
    action: GroupParticipantAction,
    members: GroupMember[],
    by: { phone: string | null; lid: string | null } | null,
  ): void {
    this.later(this.opts.replyDelayMs, () =>
      this.emit("group_participants", {
        group,
        action,
        participants: members.map((m) => ({ phone: m.phone, lid: m.lid })),
        by,
        at: this.now(),
      }),
    );
  }

  private async send(
    to: string,
    reference: string,
    text: string | null,
    record: string | null = text,
  ): Promise<SendResult> {
    const generation = this.generation;
    if (this.state !== "ready") {
      throw new SendError("session_not_ready", "the session is not connected", false);
    }
    if (to.endsWith(SIM_MAGIC.notOnWhatsApp)) {
      throw new SendError("not_on_whatsapp", "the recipient is not on WhatsApp", true);
    }
    if (
      to.endsWith(SIM_MAGIC.failOnce) &&
      (await this.servers.failFirstTime(reference, this.now()))
    ) {
      throw new SendError("send_failed", "simulated transient failure", false);
    }
    // A failure here is transient: the retry asks findSent first, so nothing goes out twice.
    const delivery = await this.servers
      .deliver({ reference, sessionId: this.opts.sessionId, to, text: record }, this.now())
      .catch((error: unknown) => {
        throw new SendError(
          "send_failed",
          `simulator servers unreachable: ${String(error)}`,
          false,
        );
      });
    const waMessageId = delivery.waMessageId;
    // Stopped meanwhile: the message went out, its acks are for whoever reopens the session.
    if (generation !== this.generation) return { waMessageId };
    const { sent, delivered, read } = this.opts.ackDelays;
    this.later(sent, () => this.emit("ack", { waMessageId, status: "sent", at: this.now() }));
    if (!to.endsWith(SIM_MAGIC.neverDelivered)) {
      this.later(delivered, () =>
        this.emit("ack", { waMessageId, status: "delivered", at: this.now() }),
      );
      this.later(read, () => this.emit("ack", { waMessageId, status: "read", at: this.now() }));
    }
    if (text?.startsWith("react ") && !to.endsWith("@g.us")) {
      // The recipient reacts to this message with the emoji after `react `.
      const emoji = text.slice(6).trim();
      this.later(this.opts.replyDelayMs, () =>
        this.emit("reaction", {
          waMessageId,
          from: to,
          fromLid: simulatedLid(to),
          emoji,
          fromMe: false,
          at: this.now(),
        }),
      );
    }
    if (text?.trim() === "call me" && !to.endsWith("@g.us")) {
      // The recipient calls this session back (a voice call).
      this.later(this.opts.replyDelayMs, () =>
        this.emit("call", {
          id: `sim_call_${randomBytes(8).toString("hex")}`,
          from: to,
          fromLid: simulatedLid(to),
          isVideo: false,
          isGroup: false,
          at: this.now(),
        }),
      );
    }
    if (text?.trim() === "leave" && to.endsWith("@g.us")) {
      // The group's last member who is not an admin leaves it.
      void this.memberLeaves(to).catch(() => {});
    }
    const mediaTrigger = text?.trim();
    if (
      (mediaTrigger === "send me a photo" || mediaTrigger === "send me a big file") &&
      !to.endsWith("@g.us")
    ) {
      // The recipient answers with media: a PNG photo, or a 20 MiB document (never built
      // unless a caller's cap allows it).
      const photo = mediaTrigger === "send me a photo";
      const waMessageId = `sim_in_${randomBytes(10).toString("hex")}`;
      const media = photo
        ? { mimeType: "image/png", filename: "photo.png", size: SIM_PHOTO_PNG.length }
        : { mimeType: "application/pdf", filename: "big file.pdf", size: SIM_BIG_FILE_BYTES };
      this.media.set(waMessageId, media);
      this.later(this.opts.replyDelayMs, () =>
        this.emit("message", {
          waMessageId,
          from: to,
          fromLid: simulatedLid(to),
          pushName: `Sim ${to.slice(-4)}`,
          type: photo ? "image" : "document",
          text: photo ? "here is a photo" : null,
          at: this.now(),
          media,
        }),
      );
    }
    if (text?.startsWith("echo ") && !to.endsWith("@g.us")) {
      const reply = text.slice(5);
      this.later(this.opts.replyDelayMs, () =>
        this.emit("message", {
          waMessageId: `sim_in_${randomBytes(10).toString("hex")}`,
          from: to,
          fromLid: simulatedLid(to),
          pushName: `Sim ${to.slice(-4)}`,
          type: "text",
          text: reply,
          at: this.now(),
        }),
      );
    }
    return { waMessageId };
  }

  private async memberLeaves(group: string): Promise<void> {
    let leaving: GroupMember | undefined;
    try {
      leaving = (await simGroupGet(this.groups, this.opts.sessionId, group)).participants
        .filter((p) => !p.isAdmin)
        .at(-1);
    } catch {
      return; // not a group of this session
    }
    if (!leaving) return;
    const { changed } = await simGroupChange(
      this.groups,
      this.opts.sessionId,
      group,
      "remove",
      [leaving],
      this.now(),
    );
    if (changed.length) this.announceParticipants(group, "remove", changed, null);
  }

  /** Media the simulated recipients sent this driver, by WhatsApp id (for `downloadMedia`). */
  private readonly media = new Map<string, { mimeType: string; filename: string; size: number }>();

  /** The bytes of a simulated inbound media message; null when this driver never had it. */
  async downloadMedia(waMessageId: string, maxBytes: number): Promise<DownloadedMedia | null> {
    const media = this.media.get(waMessageId);
    if (!media) return null;
    if (media.size > maxBytes) throw new MediaTooLargeError(media.size);
    this.media.delete(waMessageId);
    const data =
      media.mimeType === "image/png" ? Buffer.from(SIM_PHOTO_PNG) : Buffer.alloc(media.size, 0x25);
    return { data, mimeType: media.mimeType, filename: media.filename };
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private clearTimers(): void {
    clearInterval(this.qrTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
