import { whatsappSessions } from "@wagate/db";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";
import { accountWithSession, postJson, sendQueue } from "./test-helpers.js";

const t = useTestApp();
const TO = "+213661234567";
const PNG = { base64: "iVBORw0KGgo=", mime_type: "image/png" };

/** An account with its `default` session and a second one named `sales`. */
async function accountWithSales() {
  const account = await accountWithSession(t);
  const res = await t.app.request("/api/v1/sessions/init?session=sales", {
    method: "POST",
    headers: { authorization: account.headers.authorization },
  });
  expect(res.status).toBe(202);
  const [sales] = await t.deps.db
    .select()
    .from(whatsappSessions)
    .where(and(eq(whatsappSessions.userId, account.userId), eq(whatsappSessions.name, "sales")));
  return { ...account, salesId: sales!.id };
}

describe("?session= on send-text and send-media", () => {
  it("sends through the session the query names", async () => {
    const a = await accountWithSales();
    for (const [path, body] of [
      ["/api/v1/messages/send-text?session=sales", { to: TO, text: "hi" }],
      ["/api/v1/messages/send-media?session=sales", { to: TO, media: PNG }],
    ] as const) {
      const res = await postJson(t, path, a.headers, body);
      expect(res.status, path).toBe(202);
      const message = await readBody(res);
      expect(message.session, path).toBe("sales");
      const queue = sendQueue(t, a.salesId);
      expect((await queue.getJob(message.id))?.data, path).toEqual({ messageId: message.id });
      await queue.close();
    }
  });

  it("lets the body's session win over the query, and 404s an unknown one", async () => {
    const a = await accountWithSales();
    const res = await postJson(t, "/api/v1/messages/send-text?session=sales", a.headers, {
      to: TO,
      text: "hi",
      session: "default",
    });
    expect((await readBody(res)).session).toBe("default");
    const missing = await postJson(t, "/api/v1/messages/send-media?session=nope", a.headers, {
      to: TO,
      media: PNG,
    });
    expect(missing.status).toBe(404);
    const invalid = await postJson(t, "/api/v1/messages/send-text?session=-bad", a.headers, {
      to: TO,
      text: "hi",
    });
    expect(invalid.status).toBe(400);
  });
});
