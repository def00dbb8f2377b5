import { contacts } from "@wagate/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { eventually, type Stack, startStack } from "./stack.js";

/**
 * `GET /contacts/{phone}` with the contact's about and profile picture (issue 12), asked of
 * the session's simulator driver through the owning worker and kept on the contacts row.
 */
const t = useTestApp({ CONTACT_PROFILE_TTL_SECONDS: "3600" });
let stack: Stack;
let account: Awaited<ReturnType<typeof seedAccount>>;
const TO = "+213661234567";

const api = (method: string, path: string, body?: unknown, who = account) =>
  t.app.request(path, {
    method,
    headers: body === undefined ? { authorization: who.headers.authorization } : who.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const contact = (key: string, query = "", who = account) =>
  api("GET", `/api/v1/contacts/${encodeURIComponent(key)}${query}`, undefined, who);

beforeAll(async () => {
  stack = await startStack(t, { linkDelayMs: 50 });
  account = await seedAccount(t);
});
afterAll(async () => {
  await stack?.stop();
});

describe("flow: a contact's profile", () => {
  it("answers stored nulls while the session is not connected, then the driver's profile, then the stored one", async () => {
    // A contact the account knows (a check) before any session exists.
    const noSession = await api("GET", `/api/v1/contacts/check?phone=${encodeURIComponent(TO)}`);
    expect(noSession.status).toBe(404); // no session to ask yet
    await t.deps.db.insert(contacts).values({
      id: `ctc_${Date.now().toString(36)}profile`,
      userId: account.userId,
      mode: "test",
      phone: TO,
      pushName: "Amina",
    });
    const offline = await contact(TO);
    expect(offline.status).toBe(200);
    expect(await readBody(offline)).toMatchObject({
      phone: TO,
      push_name: "Amina",
      about: null,
      profile_picture_url: null,
      profile_checked_at: null,
    });

    expect((await api("POST", "/api/v1/sessions/init")).status).toBe(202);
    await eventually(async () => {
      const s = await readBody(await api("GET", "/api/v1/sessions/status"));
      return s.status === "ready";
    }, "a ready session");

    const live = await readBody(await contact(TO));
    expect(live).toMatchObject({
      phone: TO,
      about: "Sim 4567 is available",
      profile_picture_url: "https://simulator.wagate.invalid/profile/213661234567.jpg",
    });
    expect(live.profile_checked_at).toEqual(expect.any(String));

    // Stored: a changed row is answered as stored, without asking the session again.
    await t.deps.db.update(contacts).set({ about: "kept" }).where(eq(contacts.phone, TO));
    const again = await readBody(await contact(TO));
    expect(again.about).toBe("kept");
    expect(again.profile_checked_at).toBe(live.profile_checked_at);

    // Past CONTACT_PROFILE_TTL_SECONDS the session is asked again.
    t.clock.now = new Date(t.clock.now.getTime() + 3601_000);
    try {
      const refreshed = await readBody(await contact(TO));
      expect(refreshed.about).toBe("Sim 4567 is available");
      expect(refreshed.profile_checked_at).not.toBe(live.profile_checked_at);
    } finally {
      t.clock.now = new Date();
    }
  });

  it("a number found not on WhatsApp is not asked about; its profile stays null", async () => {
    const phone = "+213661230000";
    const check = await readBody(
      await api("GET", `/api/v1/contacts/check?phone=${encodeURIComponent(phone)}`),
    );
    expect(check.on_whatsapp).toBe(false);
    const answer = await readBody(await contact(phone));
    expect(answer).toMatchObject({
      about: null,
      profile_picture_url: null,
      profile_checked_at: null,
    });
  });

  it("404 for an unknown contact or another account's; 400 for a bad session name", async () => {
    expect((await contact("+213661239876")).status).toBe(404);
    expect((await contact("not a phone")).status).toBe(404);
    const other = await seedAccount(t);
    const hidden = await contact(TO, "", other);
    expect(hidden.status).toBe(404);
    expect((await readBody(hidden)).error.code).toBe("not_found");
    const bad = await contact(TO, "?session=not%20a%20name!");
    expect(bad.status).toBe(400);
    expect((await readBody(bad)).error.code).toBe("validation_failed");
  });

  it("a named session that is not connected answers what is stored", async () => {
    const answer = await contact(TO, "?session=elsewhere");
    expect(answer.status).toBe(200);
    expect((await readBody(answer)).phone).toBe(TO);
  });
});
