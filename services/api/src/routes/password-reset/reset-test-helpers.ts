import { apiKeys, auditLogs, messages, newId, users, whatsappSessions } from "@wagate/db";
import { and, desc, eq } from "drizzle-orm";
import { seedAdmin, type TestApp } from "../../../test/harness.js";

/** Env for a test app whose system session is a simulator session of a pre-chosen account. */
export function systemSessionEnv(overrides: Record<string, string> = {}) {
  const systemUserId = newId("user");
  return {
    systemUserId,
    env: { SYSTEM_SESSION: `${systemUserId}/otp`, SYSTEM_SESSION_MODE: "test", ...overrides },
  };
}

/** Creates the system account, its test-mode key and its `otp` simulator session. */
export async function seedSystemSession(
  t: TestApp,
  systemUserId: string,
  session: { desiredState?: "running" | "stopped"; status?: "ready" | "stopped" } = {},
) {
  await t.deps.db.insert(users).values({
    id: systemUserId,
    name: "wagate system",
    email: `system-${systemUserId}@example.test`,
  });
  await t.deps.db.insert(apiKeys).values({
    id: newId("apiKey"),
    userId: systemUserId,
    name: "system",
    prefix: "wag_test_sys",
    keyHash: `unused-${systemUserId}`,
    mode: "test",
  });
  await t.deps.db.insert(whatsappSessions).values({
    id: newId("session"),
    userId: systemUserId,
    name: "otp",
    mode: "test",
    driver: "simulator",
    status: session.status ?? "ready",
    desiredState: session.desiredState ?? "stopped",
  });
}

let phoneSeq = 10;
/** A distinct valid mobile number per call. */
export const nextPhone = () => `+2136612345${String(phoneSeq++).padStart(2, "0")}`;

/** An owner admin with a phone on file. */
export const seedPhoneAdmin = (t: TestApp, phone = nextPhone()) =>
  seedAdmin(t, "owner", { phone }).then((admin) => ({ ...admin, phone }));

/** POSTs JSON to a password-reset route. */
export async function post(
  t: TestApp,
  step: "request" | "resend" | "verify" | "confirm",
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await t.app.request(`/api/v1/auth/password-reset/${step}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field.
    body: (text ? JSON.parse(text) : null) as any,
  };
}

/** Messages the system session queued to `phone`, newest first. */
export const messagesTo = (t: TestApp, phone: string) =>
  t.deps.db.select().from(messages).where(eq(messages.recipient, phone)).orderBy(desc(messages.id));

/** The code in the newest WhatsApp message queued to `phone`. */
export async function latestOtp(t: TestApp, phone: string): Promise<string> {
  const [row] = await messagesTo(t, phone);
  const code = row?.content?.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error(`no code was sent to ${phone}`);
  return code;
}

/** Audit actions recorded for one reset request, oldest first. */
export async function auditActions(t: TestApp, requestId: string) {
  const rows = await t.deps.db
    .select()
    .from(auditLogs)
    .where(
      and(eq(auditLogs.targetType, "password_reset_request"), eq(auditLogs.targetId, requestId)),
    )
    .orderBy(auditLogs.id);
  return rows;
}

/** A 6-digit code different from `otp`. */
export const wrongOtp = (otp: string) => String((Number(otp) + 1) % 1_000_000).padStart(6, "0");
