import { beforeEach, describe, expect, it } from "vitest";
import type { GroupChange, GroupParticipantsChange } from "../src/drivers/types.js";
import { GroupNotFoundError } from "../src/drivers/types.js";
import { WebjsDriver } from "../src/drivers/webjs.js";
import type {
  WebjsChat,
  WebjsClientSpec,
  WebjsGroupParticipant,
} from "../src/drivers/webjs-client.js";
import { runDriverOp } from "../src/rich/driver-ops.js";
import { FakeWebjsClient } from "./fake-webjs.js";
import { waitFor } from "./helpers.js";

/**
 * Groups on the webjs driver (issue 12) against a fake whatsapp-web.js Client with
 * `GroupChat`s: which library methods each operation calls, and the group notifications as
 * driver events with phone and LID.
 */
const GID = "120363012345678901@g.us";
const ME = "213555000111@c.us";
const A = "213661234567@c.us";
const B_LID = "987654321012345@lid";

interface FakeGroup {
  name: string;
  description: string;
  participants: WebjsGroupParticipant[];
}

type FakeChat = Awaited<ReturnType<FakeWebjsClient["getChatById"]>>;

class GroupsClient extends FakeWebjsClient {
  static latestGroups(): GroupsClient {
    return FakeWebjsClient.latest() as GroupsClient;
  }
  groups = new Map<string, FakeGroup>();
  calls: Array<{ method: string; args: unknown[] }> = [];
  inviteRefused = false;

  async createGroup(title: string, participants: string[]) {
    this.calls.push({ method: "createGroup", args: [title, participants] });
    this.groups.set(GID, {
      name: title,
      description: "",
      participants: [
        { id: { _serialized: ME }, isAdmin: true, isSuperAdmin: true },
        ...participants.map((p) => ({ id: { _serialized: p }, isAdmin: false })),
      ],
    });
    return { title, gid: { _serialized: GID }, participants: {} };
  }

  override async getChats() {
    const ids = [...new Set([...this.chats.keys(), ...this.groups.keys()])];
    return Promise.all(ids.map((id) => this.getChatById(id)));
  }

  override async getChatById(chatId: string): Promise<FakeChat> {
    const base = await super.getChatById(chatId);
    const group = this.groups.get(chatId);
    if (!group) {
      if (chatId.endsWith("@g.us")) throw new TypeError("Cannot read properties of undefined");
      return base;
    }
    const record =
      (method: string, answer: (...args: never[]) => unknown = () => ({ status: 200 })) =>
      async (...args: unknown[]) => {
        this.calls.push({ method, args });
        return (answer as (...a: unknown[]) => unknown)(...args);
      };
    const chat = {
      ...base,
      isGroup: true,
      name: group.name,
      description: group.description,
      owner: { _serialized: ME },
      createdAt: new Date("2026-12-01T10:00:00Z"),
      participants: group.participants,
      addParticipants: record("addParticipants", (ids: string[]) => {
        for (const id of ids) group.participants.push({ id: { _serialized: id } });
        return {};
      }),
      removeParticipants: record("removeParticipants"),
      promoteParticipants: record("promoteParticipants", (ids: string[]) => {
        for (const p of group.participants) if (ids.includes(p.id._serialized)) p.isAdmin = true;
        return { status: 200 };
      }),
      demoteParticipants: record("demoteParticipants"),
      setSubject: record("setSubject", (subject: string) => {
        group.name = subject;
        return true;
      }),
      setDescription: record("setDescription", () => false),
      getInviteCode: async () => {
        if (this.inviteRefused) throw new Error("not admin");
        return "INVITE123";
      },
      leave: record("leave"),
    } as unknown as WebjsChat;
    return chat as unknown as FakeChat;
  }
}

const driver = () =>
  new WebjsDriver({
    sessionId: "ses_GROUPS",
    mode: "live",
    store: {},
    dataPath: "/tmp/unused",
    createClient: (spec: WebjsClientSpec) => new GroupsClient(spec),
    watchdog: { intervalMs: 60_000, timeoutMs: 1000, maxFailures: 3 },
  });

async function linked() {
  const d = driver();
  await d.start();
  const client = GroupsClient.latestGroups();
  client.link();
  client.lidPairs = [
    { lid: "111111111111111@lid", pn: ME },
    { lid: "222222222222222@lid", pn: A },
    { lid: B_LID, pn: "213661234568@c.us" },
  ];
  return { d, client };
}

beforeEach(() => {
  FakeWebjsClient.instances = [];
});

describe("webjs driver: groups", () => {
  it("createGroup → client.createGroup(title, ids), then the GroupChat with phones, LIDs, admins, invite code", async () => {
    const { d, client } = await linked();
    const group = await d.createGroup("Team", ["+213661234567"]);
    expect(client.calls[0]).toEqual({ method: "createGroup", args: ["Team", [A]] });
    expect(group).toMatchObject({
      id: GID,
      subject: "Team",
      description: null,
      owner: "+213555000111",
      inviteCode: "INVITE123",
      createdAt: "2026-12-01T10:00:00.000Z",
    });
    expect(group.participants).toEqual([
      { phone: "+213555000111", lid: "111111111111111@lid", isAdmin: true, isSuperAdmin: true },
      { phone: "+213661234567", lid: "222222222222222@lid", isAdmin: false, isSuperAdmin: false },
    ]);
    // One LID lookup for all participants.
    expect(client.lidLookups.at(-1)).toEqual([ME, A]);

    client.inviteRefused = true;
    expect((await d.getGroup(GID)).inviteCode).toBeNull();
    const list = await d.listGroups();
    expect(list.map((g) => [g.id, g.inviteCode])).toEqual([[GID, null]]);
  });

  it("participants → add/remove/promote/demoteParticipants with @c.us ids; subject/description → setSubject/setDescription; leave", async () => {
    const { d, client } = await linked();
    await d.createGroup("Team", ["+213661234567"]);
    const added = await d.changeGroupParticipants(GID, "add", ["+213661234568"]);
    expect(client.calls.at(-1)).toEqual({
      method: "addParticipants",
      args: [["213661234568@c.us"]],
    });
    expect(added.participants.map((p) => p.phone)).toContain("+213661234568");
    await d.changeGroupParticipants(GID, "promote", ["+213661234567"]);
    expect(client.calls.at(-1)).toEqual({ method: "promoteParticipants", args: [[A]] });
    await d.changeGroupParticipants(GID, "demote", ["+213661234567"]);
    expect(client.calls.at(-1)?.method).toBe("demoteParticipants");
    await d.changeGroupParticipants(GID, "remove", ["+213661234567"]);
    expect(client.calls.at(-1)).toEqual({ method: "removeParticipants", args: [[A]] });

    const renamed = await d.updateGroup(GID, { subject: "Ops" });
    expect(client.calls.at(-1)).toEqual({ method: "setSubject", args: ["Ops"] });
    expect(renamed.subject).toBe("Ops");
    // setDescription answering false: WhatsApp refused (permanent).
    await expect(d.updateGroup(GID, { description: "x" })).rejects.toMatchObject({
      permanent: true,
    });
    await d.leaveGroup(GID);
    expect(client.calls.at(-1)?.method).toBe("leave");
  });

  it("an unknown group is GroupNotFoundError, answered not_found by the driver op", async () => {
    const { d } = await linked();
    await expect(d.getGroup("120363000000000001@g.us")).rejects.toBeInstanceOf(GroupNotFoundError);
    const reply = await runDriverOp(d, {
      sessionId: "ses_GROUPS",
      action: "driver_op",
      replyId: "r1",
      request: { op: "group_get", group: "120363000000000001@g.us" },
    });
    expect(reply).toMatchObject({ ok: false, reason: "not_found" });
  });
});

describe("webjs driver: group events", () => {
  it("group_join / group_leave / group_admin_changed → group_participants with phone and LID", async () => {
    const { d, client } = await linked();
    const changes: GroupParticipantsChange[] = [];
    d.on("group_participants", (c) => changes.push(c));
    client.emit("group_join", {
      chatId: GID,
      type: "add",
      author: ME,
      recipientIds: [B_LID],
      timestamp: 1_764_000_000,
    });
    client.emit("group_leave", {
      chatId: GID,
      type: "leave",
      author: A,
      recipientIds: [A],
      timestamp: 1_764_000_001,
    });
    client.emit("group_admin_changed", {
      chatId: GID,
      type: "promote",
      author: ME,
      recipientIds: [A],
      timestamp: 1_764_000_002,
    });
    await waitFor(async () => changes.length === 3);
    const byAction = Object.fromEntries(changes.map((c) => [c.action, c]));
    expect(byAction.add).toMatchObject({
      group: GID,
      participants: [{ phone: "+213661234568", lid: B_LID }],
      by: { phone: "+213555000111", lid: "111111111111111@lid" },
    });
    expect(byAction.remove).toMatchObject({
      participants: [{ phone: "+213661234567", lid: "222222222222222@lid" }],
      by: null,
    });
    expect(byAction.promote?.participants[0]?.phone).toBe("+213661234567");
  });

  it("group_update → group_update with the new subject; other notification kinds are ignored", async () => {
    const { d, client } = await linked();
    const updates: GroupChange[] = [];
    d.on("group_update", (c) => updates.push(c));
    client.emit("group_update", {
      chatId: GID,
      type: "create",
      author: ME,
      timestamp: 1_764_000_000,
    });
    client.emit("group_update", {
      chatId: GID,
      type: "subject",
      body: "New name",
      author: A,
      timestamp: 1_764_000_003,
    });
    await waitFor(async () => updates.length === 1);
    expect(updates[0]).toMatchObject({
      group: GID,
      field: "subject",
      value: "New name",
      by: { phone: "+213661234567", lid: "222222222222222@lid" },
    });
    expect(updates[0]?.at.toISOString()).toBe(new Date(1_764_000_003_000).toISOString());
  });
});
