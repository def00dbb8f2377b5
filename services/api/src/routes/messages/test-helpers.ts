import { sendQueueName } from "@wagate/contracts";
import { whatsappSessions } from "@wagate/db";
import { Queue } from "bullmq";
import { and, eq } from "drizzle-orm";
import { type SeedAccountOptions, seedAccount, type TestApp } from "../../../test/harness.js";

/** An account with a key and its `default` session created through POST /sessions/init. */
export async function accountWithSession(t: TestApp, options: SeedAccountOptions = {}) {
  const account = await seedAccount(t, options);
  const res = await t.app.request("/api/v1/sessions/init", {
    method: "POST",
    headers: { authorization: account.headers.authorization },
  });
  if (res.status !== 202) throw new Error(`init failed: ${res.status} ${await res.text()}`);
  const [session] = await t.deps.db
    .select()
    .from(whatsappSessions)
    .where(and(eq(whatsappSessions.userId, account.userId), eq(whatsappSessions.name, "default")));
  return { ...account, sessionId: session!.id };
}

/** A POST with a JSON body and optional extra headers (e.g. Idempotency-Key). */
export function postJson(
  t: TestApp,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  extra: Record<string, string> = {},
) {
  return t.app.request(path, {
    method: "POST",
    headers: { ...headers, ...extra, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** The BullMQ queue a session's sends go to, under this test's prefix (close it after use). */
export const sendQueue = (t: TestApp, sessionId: string) =>
  new Queue(sendQueueName(sessionId), { connection: t.deps.redis, prefix: t.deps.redisPrefix });
