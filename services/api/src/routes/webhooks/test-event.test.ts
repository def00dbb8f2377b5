import { QUEUES } from "@wagate/contracts";
import { webhookDeliveries } from "@wagate/db";
import { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, send, useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";

const t = useTestApp();
let queue: Queue;

beforeAll(() => {
  queue = new Queue(QUEUES.webhooks, { connection: t.deps.redis, prefix: t.deps.redisPrefix });
});
afterAll(async () => {
  await queue.close();
});

async function createHook(headers: Record<string, string>) {
  const res = await send(t, "POST", "/api/v1/webhooks", headers, {
    url: "https://example.com/hooks",
    events: ["session.status"],
  });
  expect(res.status).toBe(201);
  return (await readBody(res)).id as string;
}

describe("POST /webhooks/{id}/test", () => {
  it("queues one signed webhook.test delivery, listed with the webhook's deliveries", async () => {
    const account = await seedAccount(t);
    const id = await createHook(account.headers);
    const res = await send(t, "POST", `/api/v1/webhooks/${id}/test`, account.headers);
    expect(res.status).toBe(202);
    const { delivery_id } = await readBody(res);
    expect(delivery_id).toMatch(/^whd_/);
    const [row] = await t.deps.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, delivery_id));
    expect(row).toMatchObject({ webhookId: id, eventType: "webhook.test", status: "pending" });
    expect(row!.payload).toMatchObject({
      type: "webhook.test",
      data: { webhook_id: id, message: expect.any(String) },
    });
    const job = await queue.getJob(delivery_id);
    expect(job?.data).toEqual({ deliveryId: delivery_id });
    expect(job?.opts.attempts).toBe(1);

    const list = await readBody(
      await send(t, "GET", `/api/v1/webhooks/${id}/deliveries`, account.headers),
    );
    expect(list.data[0]).toMatchObject({ id: delivery_id, event_type: "webhook.test" });
  });

  it("answers 404 for another account's webhook and 409 for a disabled one", async () => {
    const owner = await seedAccount(t);
    const stranger = await seedAccount(t);
    const id = await createHook(owner.headers);
    const foreign = await send(t, "POST", `/api/v1/webhooks/${id}/test`, stranger.headers);
    expect(foreign.status).toBe(404);
    expect((await readBody(foreign)).error.code).toBe("not_found");
    const unknown = await send(t, "POST", "/api/v1/webhooks/whk_nope/test", owner.headers);
    expect(unknown.status).toBe(404);

    await send(t, "PATCH", `/api/v1/webhooks/${id}`, owner.headers, { is_active: false });
    const disabled = await send(t, "POST", `/api/v1/webhooks/${id}/test`, owner.headers);
    expect(disabled.status).toBe(409);
    expect((await readBody(disabled)).error.code).toBe("conflict");
  });

  it("needs the webhooks:manage scope and refuses admin tokens", async () => {
    const limited = await seedAccount(t, { scopes: ["messages:send"] });
    const full = await seedAccount(t);
    const id = await createHook(full.headers);
    const res = await send(t, "POST", `/api/v1/webhooks/${id}/test`, limited.headers);
    expect(res.status).toBe(403);
    const none = await send(t, "POST", `/api/v1/webhooks/${id}/test`, {});
    expect(none.status).toBe(401);
  });
});
