import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { eventually, type Stack, signatureValid, startStack } from "./stack.js";

/**
 * Groups end to end (issue 12) on the simulator: create, get, list, participants, subject
 * and description, leave, a text to the group, `group.participants` / `group.update`
 * webhooks, validation and isolation.
 */
const t = useTestApp();
let stack: Stack;
let account: Awaited<ReturnType<typeof seedAccount>>;
let secret: string;
const A = "+213661234567";
const B = "+213661234568";
const C = "+213661234569";

type Account = Awaited<ReturnType<typeof seedAccount>>;
const call = (who: Account, method: string, path: string, body?: unknown) =>
  t.app.request(path, {
    method,
    headers: body === undefined ? { authorization: who.headers.authorization } : who.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const api = (method: string, path: string, body?: unknown) => call(account, method, path, body);
const ok = async (res: Response, status = 200) => {
  const answer = await readBody(res);
  expect(res.status, JSON.stringify(answer)).toBe(status);
  return answer;
};
const hook = (type: string, match: (data: Record<string, unknown>) => boolean) =>
  eventually(
    async () => stack.received.find((h) => h.payload.type === type && match(h.payload.data)),
    `a ${type} webhook`,
  );
const ready = async (who: Account) => {
  expect((await call(who, "POST", "/api/v1/sessions/init")).status).toBe(202);
  await eventually(async () => {
    const s = await readBody(await call(who, "GET", "/api/v1/sessions/status"));
    return s.status === "ready";
  }, "a ready session");
};

beforeAll(async () => {
  stack = await startStack(t, { linkDelayMs: 50 });
  account = await seedAccount(t);
  const created = await api("POST", "/api/v1/webhooks", {
    url: stack.hookUrl,
    events: ["message.status", "group.participants", "group.update"],
  });
  expect(created.status).toBe(201);
  secret = (await readBody(created)).secret;
  await ready(account);
});
afterAll(async () => {
  await stack?.stop();
});

describe("flow: groups on the simulator", () => {
  it("creates a group, reads it, lists it, and a text to it is sent", async () => {
    const group = await ok(
      await api("POST", "/api/v1/groups", {
        subject: "Team",
        participants: [A, "+213 661 234 568", "+213660000000"],
      }),
      201,
    );
    expect(group.id).toMatch(/@g\.us$/);
    expect(group.subject).toBe("Team");
    const phones = group.participants.map((p: { phone: string }) => p.phone);
    expect(phones).toEqual(expect.arrayContaining([A, B]));
    expect(phones).not.toContain("+213660000000"); // not on WhatsApp
    const me = group.participants.find((p: { is_super_admin: boolean }) => p.is_super_admin);
    expect(me).toMatchObject({ is_admin: true });
    expect(group.participants.every((p: { lid: string }) => p.lid.endsWith("@lid"))).toBe(true);

    const read = await ok(await api("GET", `/api/v1/groups/${group.id}`));
    expect(read).toMatchObject({ id: group.id, subject: "Team", description: null });
    expect(read.invite_code).toEqual(expect.any(String));
    const list = await ok(await api("GET", "/api/v1/groups"));
    expect(list.data.map((g: { id: string }) => g.id)).toContain(group.id);
    expect(list.data.find((g: { id: string }) => g.id === group.id).invite_code).toBeNull();

    const sent = await ok(
      await api("POST", "/api/v1/messages/send-text", { to: group.id, text: "hello team" }),
      202,
    );
    const status = await hook("message.status", (d) => d.id === sent.id && d.status === "sent");
    expect(status.payload.data).toMatchObject({ to: group.id });
    expect(stack.network.sendCount(sent.id)).toBe(1);
  });

  it("participants: add, promote, demote, remove; each a group.participants webhook", async () => {
    const group = await ok(
      await api("POST", "/api/v1/groups", { subject: "Ops", participants: [A] }),
      201,
    );
    const path = `/api/v1/groups/${group.id}/participants`;

    const added = await ok(await api("POST", path, { add: [B, C] }));
    expect(added.participants.map((p: { phone: string }) => p.phone)).toEqual(
      expect.arrayContaining([A, B, C]),
    );
    const join = await hook(
      "group.participants",
      (d) => d.group_id === group.id && d.action === "add",
    );
    expect(signatureValid(join, secret)).toBe(true);
    expect(join.payload.data.participants).toEqual([
      { phone: B, lid: expect.stringMatching(/@lid$/) },
      { phone: C, lid: expect.stringMatching(/@lid$/) },
    ]);
    expect(join.payload.data.by).toMatchObject({ phone: expect.stringMatching(/^\+1555/) });

    const promoted = await ok(await api("POST", path, { promote: [B] }));
    expect(promoted.participants.find((p: { phone: string }) => p.phone === B).is_admin).toBe(true);
    await hook("group.participants", (d) => d.group_id === group.id && d.action === "promote");
    const demoted = await ok(await api("POST", path, { demote: [B] }));
    expect(demoted.participants.find((p: { phone: string }) => p.phone === B).is_admin).toBe(false);
    await hook("group.participants", (d) => d.group_id === group.id && d.action === "demote");
    const removed = await ok(await api("POST", path, { remove: [C] }));
    expect(removed.participants.map((p: { phone: string }) => p.phone)).not.toContain(C);
    const left = await hook(
      "group.participants",
      (d) => d.group_id === group.id && d.action === "remove",
    );
    expect(left.payload.data.participants).toEqual([{ phone: C, lid: expect.any(String) }]);

    // A member leaving on their own (the simulator's `leave` text to the group).
    await ok(await api("POST", "/api/v1/messages/send-text", { to: group.id, text: "leave" }), 202);
    const selfLeave = await hook(
      "group.participants",
      (d) => d.group_id === group.id && d.action === "remove" && d.by === null,
    );
    expect(selfLeave.payload.data.participants).toHaveLength(1);

    for (const body of [{}, { add: [B], remove: [C] }, { add: ["nope"] }, { add: [] }]) {
      const bad = await api("POST", path, body);
      expect([400, 422], JSON.stringify(body)).toContain(bad.status);
      expect((await readBody(bad)).error.code).toBe("validation_failed");
    }
  });

  it("subject and description change with group.update webhooks; leave removes the group", async () => {
    const group = await ok(
      await api("POST", "/api/v1/groups", { subject: "Old", participants: [A] }),
      201,
    );
    const changed = await ok(
      await api("PATCH", `/api/v1/groups/${group.id}`, { subject: "New", description: "About us" }),
    );
    expect(changed).toMatchObject({ subject: "New", description: "About us" });
    const subject = await hook(
      "group.update",
      (d) => d.group_id === group.id && d.field === "subject",
    );
    expect(subject.payload.data).toMatchObject({ value: "New" });
    expect(subject.payload.data.by).toMatchObject({ lid: expect.stringMatching(/@lid$/) });
    await hook("group.update", (d) => d.group_id === group.id && d.field === "description");
    const empty = await api("PATCH", `/api/v1/groups/${group.id}`, {});
    expect(empty.status).toBe(422);

    expect(await ok(await api("POST", `/api/v1/groups/${group.id}/leave`))).toEqual({
      id: group.id,
      left: true,
    });
    expect((await api("GET", `/api/v1/groups/${group.id}`)).status).toBe(404);
    expect((await api("POST", `/api/v1/groups/${group.id}/leave`)).status).toBe(404);
  });

  it("unknown groups, bad ids and bad input answer 4xx; another account's group is 404", async () => {
    const group = await ok(
      await api("POST", "/api/v1/groups", { subject: "Mine", participants: [A] }),
      201,
    );
    expect((await api("GET", "/api/v1/groups/120363000000000001@g.us")).status).toBe(404);
    expect((await api("GET", "/api/v1/groups/not-a-group")).status).toBe(404);
    for (const body of [
      { subject: "", participants: [A] },
      { subject: "x" },
      { subject: "x", participants: ["12"] },
    ]) {
      const bad = await api("POST", "/api/v1/groups", body);
      expect([400, 422], JSON.stringify(body)).toContain(bad.status);
    }

    const other = await seedAccount(t);
    // Without a session: 404 for the session; with one: the group is not on it.
    expect((await call(other, "GET", `/api/v1/groups/${group.id}`)).status).toBe(404);
    await ready(other);
    expect((await call(other, "GET", `/api/v1/groups/${group.id}`)).status).toBe(404);
    expect(
      (await call(other, "POST", `/api/v1/groups/${group.id}/participants`, { add: [B] })).status,
    ).toBe(404);
    const theirs = await ok(await call(other, "GET", "/api/v1/groups"));
    expect(theirs.data).toEqual([]);
    const readOnly = await seedAccount(t, { scopes: ["messages:read"] });
    expect(
      (await call(readOnly, "POST", "/api/v1/groups", { subject: "x", participants: [A] })).status,
    ).toBe(403);
  });
});
