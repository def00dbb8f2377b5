import { createDb, simulatorGroups } from "@wagate/db";
import { useTestEnv } from "@wagate/testkit";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createDriverFactory } from "../src/drivers/factory.js";
import { SimulatorDriver, simulatedPhoneNumber } from "../src/drivers/simulator.js";
import { GroupNotFoundError, type WhatsAppDriver } from "../src/drivers/types.js";

/**
 * The simulator's groups live in Postgres (`simulator_groups`) for drivers a worker makes:
 * a group outlives a driver restart and is found by another "worker process" (its own
 * database client), as a session moved to another worker would.
 */
const env = useTestEnv();
const clients: Array<{ close: () => Promise<void> }> = [];
function workerDriver(sessionId: string): SimulatorDriver {
  const client = createDb(env.db.url, { applicationName: "sim-groups-test", max: 2 });
  clients.push(client);
  const factory = createDriverFactory({ db: client.db, simProfile: "fast", simLinkDelayMs: 20 });
  const driver = factory({
    id: sessionId,
    userId: "usr_simgrp",
    driver: "simulator",
    mode: "test",
  });
  expect(driver).toBeInstanceOf(SimulatorDriver);
  return driver as SimulatorDriver;
}
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

async function ready(driver: WhatsAppDriver) {
  const linked = new Promise<void>((resolve) => driver.once("ready", () => resolve()));
  await driver.start();
  await linked;
}

describe("simulator groups in Postgres", () => {
  it("a group survives a driver restart and a move to another worker, with its changes", async () => {
    const sessionId = `ses_simgrp_${Date.now().toString(36)}`;
    const first = workerDriver(sessionId);
    await ready(first);
    const created = await first.createGroup("Team", ["+213661234567", "+213661234568"]);
    await first.changeGroupParticipants(created.id, "promote", ["+213661234567"]);
    await first.updateGroup(created.id, { description: "weekly sync" });
    await first.stop();
    // In the table, not in this process's memory: another process reads the same row.
    const [row] = await env.db.db
      .select()
      .from(simulatorGroups)
      .where(eq(simulatorGroups.sessionId, sessionId));
    expect(row).toMatchObject({ groupId: created.id, info: { subject: "Team" } });

    const second = workerDriver(sessionId);
    await ready(second);
    const found = await second.getGroup(created.id);
    expect(found).toMatchObject({
      id: created.id,
      subject: "Team",
      description: "weekly sync",
      owner: simulatedPhoneNumber(sessionId),
      inviteCode: created.inviteCode,
    });
    expect(found.participants.map((p) => [p.phone, p.isAdmin])).toEqual([
      [simulatedPhoneNumber(sessionId), true],
      ["+213661234567", true],
      ["+213661234568", false],
    ]);
    expect((await second.listGroups()).map((g) => g.id)).toEqual([created.id]);

    // Another session sees none of it; leaving removes it for the next worker too.
    const stranger = workerDriver(`${sessionId}_other`);
    await ready(stranger);
    await expect(stranger.getGroup(created.id)).rejects.toBeInstanceOf(GroupNotFoundError);
    await second.leaveGroup(created.id);
    await second.stop();
    const third = workerDriver(sessionId);
    await ready(third);
    await expect(third.getGroup(created.id)).rejects.toBeInstanceOf(GroupNotFoundError);
    expect(await third.listGroups()).toEqual([]);
    await third.stop();
    await stranger.stop();
  });

  it("concurrent participant changes on one group all apply", async () => {
    const sessionId = `ses_simgrp_c_${Date.now().toString(36)}`;
    const a = workerDriver(sessionId);
    const b = workerDriver(sessionId);
    await ready(a);
    await ready(b);
    const group = await a.createGroup("Busy", []);
    const phones = Array.from({ length: 6 }, (_, i) => `+21366123450${i}`);
    await Promise.all(
      phones.map((phone, i) => (i % 2 ? a : b).changeGroupParticipants(group.id, "add", [phone])),
    );
    const after = await a.getGroup(group.id);
    expect(after.participants.map((p) => p.phone).sort()).toEqual(
      [simulatedPhoneNumber(sessionId), ...phones].sort(),
    );
    await a.stop();
    await b.stop();
  });
});
