import { createDb, simulatorDeliveries, simulatorLinkedDevices } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { postgresSimulatorServers } from "../src/drivers/sim-servers.js";
import { SimulatorDriver, simulatedPhoneNumber } from "../src/drivers/simulator.js";
import { waitFor } from "./helpers.js";

// Two "worker processes": each has its own database client, as two processes would.
const env = useTestEnv();
const clients: Array<{ close: () => Promise<void> }> = [];
function workerDriver(sessionId: string) {
  const client = createDb(env.db.url, { applicationName: "sim-servers-test", max: 2 });
  clients.push(client);
  return new SimulatorDriver({
    sessionId,
    mode: "test",
    profile: "fast",
    linkDelayMs: 50,
    servers: postgresSimulatorServers(client.db),
  });
}
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

function readyOnce(driver: SimulatorDriver) {
  const events: string[] = [];
  driver.on("qr", () => events.push("qr"));
  const ready = new Promise<void>((resolve) => driver.once("ready", () => resolve()));
  return { events, ready };
}

describe("simulator servers in Postgres", () => {
  it("keeps a linked phone across worker processes: the second opens without a QR", async () => {
    const first = workerDriver("wss_sim_link");
    const a = readyOnce(first);
    await first.start();
    await a.ready;
    expect(a.events).toContain("qr");
    await first.stop();

    const second = workerDriver("wss_sim_link");
    const b = readyOnce(second);
    await second.start();
    await b.ready;
    expect(b.events).toEqual([]);
    const [device] = await env.db.db
      .select()
      .from(simulatorLinkedDevices)
      .where(eq(simulatorLinkedDevices.sessionId, "wss_sim_link"));
    expect(device?.phoneNumber).toBe(simulatedPhoneNumber("wss_sim_link"));

    // Logging out forgets the phone everywhere: the next worker shows a QR again.
    await second.logout();
    const third = workerDriver("wss_sim_link");
    const c = readyOnce(third);
    await third.start();
    await c.ready;
    expect(c.events).toContain("qr");
    await third.stop();
  });

  it("lets a second worker find what the first sent, and counts a duplicate send", async () => {
    const first = workerDriver("wss_sim_send");
    const a = readyOnce(first);
    await first.start();
    await a.ready;
    const sent = await first.sendText({ to: "+213661234567", text: "hi", reference: "msg_x1" });
    await first.stop();

    const second = workerDriver("wss_sim_send");
    const b = readyOnce(second);
    await second.start();
    await b.ready;
    const input = { to: "+213661234567", reference: "msg_x1", text: "hi", since: new Date(0) };
    expect(await second.findSent(input)).toEqual({ waMessageId: sent.waMessageId });
    expect(await second.findSent({ ...input, reference: "msg_unknown" })).toBeNull();

    // Sending the same reference again is a duplicate WhatsApp would deliver: it is counted.
    await second.sendText({ to: "+213661234567", text: "hi", reference: "msg_x1" });
    const [row] = await env.db.db
      .select()
      .from(simulatorDeliveries)
      .where(eq(simulatorDeliveries.reference, "msg_x1"));
    expect(row).toMatchObject({ sendCount: 2, waMessageId: sent.waMessageId, text: "hi" });
    await second.stop();
  });

  it("fails a `...0002` recipient once across workers, then delivers", async () => {
    const first = workerDriver("wss_sim_fail");
    const second = workerDriver("wss_sim_fail");
    const a = readyOnce(first);
    const b = readyOnce(second);
    await first.start();
    await second.start();
    await Promise.all([a.ready, b.ready]);
    const send = (d: SimulatorDriver) =>
      d.sendText({ to: "+213661230002", text: "once", reference: "msg_f1" });
    await expect(send(first)).rejects.toMatchObject({ code: "send_failed", permanent: false });
    const result = await send(second);
    expect(result.waMessageId).toMatch(/^sim_/);
    // Acks still follow the send on the worker that sent it.
    const acks: string[] = [];
    second.on("ack", (ack) => acks.push(ack.status));
    await send(second);
    await waitFor(async () => acks.includes("read"));
    await first.stop();
    await second.stop();
  });
});
