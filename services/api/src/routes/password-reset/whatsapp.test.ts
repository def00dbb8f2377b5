import { toMessageWire } from "@wagate/core";
import { messages } from "@wagate/db";
import {
  createDriverFactory,
  createWorker,
  NO_PACING,
  SimulatedNetwork,
  type WhatsAppWorker,
} from "@wagate/whatsapp-worker";
import { eq } from "drizzle-orm";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send, useTestApp } from "../../../test/harness.js";
import { otpMessage } from "../../domain/password-reset/deliver.js";
import { post, seedPhoneAdmin, seedSystemSession, systemSessionEnv } from "./reset-test-helpers.js";

const system = systemSessionEnv({ PASSWORD_RESET_MIN_RESPONSE_MS: "0" });
const t = useTestApp(system.env);
const network = new SimulatedNetwork();
let worker: WhatsAppWorker | undefined;

beforeAll(async () => {
  await seedSystemSession(t, system.systemUserId, { desiredState: "running", status: "stopped" });
  worker = createWorker({
    db: t.deps.db,
    redis: t.deps.redis,
    redisPrefix: t.deps.redisPrefix,
    logger: pino({ level: "silent" }),
    registry: new Registry(),
    driverFactory: createDriverFactory({ db: t.deps.db, simProfile: "fast", simNetwork: network }),
    options: {
      claimIntervalMs: 200,
      heartbeatMs: 400,
      leaseTtlMs: 4000,
      simulatorPacing: NO_PACING,
    },
  });
  await worker.start();
});
afterAll(() => worker?.stop());

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("timed out");
}

describe("password reset over the simulator's WhatsApp", () => {
  it("delivers the code to the admin's phone through the system session, and it resets", async () => {
    const admin = await seedPhoneAdmin(t);
    const requested = await post(t, "request", { email: admin.email, phone: admin.phone });
    expect(requested.status).toBe(202);

    // The code is read from what the simulated network delivered, not from a log or the DB.
    const delivery = await waitFor(() => network.deliveries().find((d) => d.to === admin.phone));
    const otp = delivery.text?.match(/\b(\d{6})\b/)?.[1];
    expect(otp).toMatch(/^\d{6}$/);
    // The worker records `sent` just after the driver returns: wait for the row to get there.
    const row = await waitFor(async () => {
      const [found] = await t.deps.db
        .select()
        .from(messages)
        .where(eq(messages.id, delivery.reference));
      return found && found.status !== "sending" && found.status !== "queued" ? found : undefined;
    });
    expect(row).toMatchObject({
      userId: system.systemUserId,
      recipient: admin.phone,
      direction: "outbound",
    });
    expect(["sent", "delivered", "read"]).toContain(row!.status);
    // The code does not stay at rest: cleared once sent, and never shown through the API
    // or webhooks to whoever holds the system account's key.
    expect(row).toMatchObject({ sensitive: true, content: null });
    expect(toMessageWire({ ...row!, content: otpMessage(otp!) }, null).text).toBeNull();

    const verified = await post(t, "verify", { request_id: requested.body.request_id, otp });
    expect(verified.status).toBe(200);
    const newPassword = "reset over whatsapp";
    const confirmed = await post(t, "confirm", {
      reset_token: verified.body.reset_token,
      new_password: newPassword,
    });
    expect(confirmed.status).toBe(204);
    const login = await send(
      t,
      "POST",
      "/api/v1/auth/login",
      {},
      { email: admin.email, password: newPassword },
    );
    expect(login.status).toBe(200);
  });
});
