import { messages, newId, webhookDeliveries, webhooks } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDriverFactory } from "../src/drivers/factory.js";
import type { WebjsMessage } from "../src/drivers/webjs-client.js";
import { FakeWebjsClient, fakeClientFactory } from "./fake-webjs.js";
import { harness, seedAccount, seedSession, sessionRow, waitFor } from "./helpers.js";

const env = useTestEnv();
const h = harness(env);
let userId: string;
let sessionId: string;
let client: FakeWebjsClient;

const CHAT = "213661234567@c.us";
const nowS = () => Math.floor(Date.now() / 1000);
const inbound = (id: string, body: string, timestamp = nowS()): WebjsMessage => ({
  id: { _serialized: id },
  from: CHAT,
  body,
  type: "chat",
  fromMe: false,
  timestamp,
});

/** Adds `message` to the fake's history of its chat, as the phone would have it. */
const remember = (message: WebjsMessage, chat = CHAT) =>
  client.chats.set(chat, [...(client.chats.get(chat) ?? []), message]);

const received = async () =>
  (
    await env.db.db
      .select({ payload: webhookDeliveries.payload })
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.userId, userId),
          eq(webhookDeliveries.eventType, "message.received"),
        ),
      )
  ).map((r) => (r.payload as { data: { wa_message_id: string; backfilled?: boolean } }).data);

const rowsOf = async (waMessageId: string) =>
  env.db.db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.sessionId, sessionId), eq(messages.waMessageId, waMessageId)));

beforeAll(async () => {
  userId = await seedAccount(env);
  await env.db.db.insert(webhooks).values({
    id: newId("webhook"),
    userId,
    url: "https://hooks.example.com/wagate",
    events: ["message.received"],
    secret: "whsec_dGVzdA==",
  });
  sessionId = await seedSession(env, userId, { mode: "live" });
  FakeWebjsClient.instances = [];
  await h.startWorker(
    { reconnectDelayMs: 60_000 }, // the test reconnects the same client itself
    createDriverFactory({ db: env.db.db, createWebjsClient: fakeClientFactory }),
  );
  client = await waitFor(async () => FakeWebjsClient.instances[0], { what: "client" });
  client.link();
  await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready");
});
afterAll(() => h.stopAll());

describe("inbound backfill after a reconnect", () => {
  it("stores messages missed while down once, with webhooks marked backfilled", async () => {
    // Received live before the outage.
    const live = inbound("false_live_1", "before the drop");
    remember(live);
    client.emit("message", live);
    await waitFor(async () => (await rowsOf("false_live_1")).length === 1, { what: "live row" });

    client.emit("disconnected", "NAVIGATION");
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "disconnected");
    // While down: two replies on the phone, a group message and our own message; none of
    // them reach the worker as events.
    remember(inbound("false_missed_1", "are you there?"));
    remember(inbound("false_missed_2", "hello?"));
    remember({ ...inbound("false_group_1", "group"), from: "123@g.us" }, "123@g.us");
    remember({ ...inbound("true_mine_1", "mine"), fromMe: true });

    client.link();
    await waitFor(
      async () =>
        (await rowsOf("false_missed_1")).length === 1 &&
        (await rowsOf("false_missed_2")).length === 1,
      { timeoutMs: 20_000, what: "missed messages backfilled" },
    );
    // A second reconnect reads the same history again: nothing is stored twice.
    client.emit("disconnected", "NAVIGATION");
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "disconnected");
    client.link();
    await waitFor(async () => (await sessionRow(env, sessionId)).status === "ready");
    // The live event of a message the backfill already stored arrives late, too.
    client.emit("message", inbound("false_missed_2", "hello?"));
    await new Promise((r) => setTimeout(r, 1000));

    for (const id of ["false_live_1", "false_missed_1", "false_missed_2"]) {
      expect(await rowsOf(id)).toHaveLength(1);
    }
    expect(await rowsOf("false_group_1")).toHaveLength(0);
    expect(await rowsOf("true_mine_1")).toHaveLength(0);
    const events = await received();
    expect(events.map((e) => [e.wa_message_id, e.backfilled ?? false]).sort()).toEqual([
      ["false_live_1", false],
      ["false_missed_1", true],
      ["false_missed_2", true],
    ]);
  });
});
