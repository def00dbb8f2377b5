import { describe, expect, it } from "vitest";
import { seedAccount, send, useTestApp } from "../../../test/harness.js";
import { readBody } from "../../../test/security.js";
import { accountWithSession } from "../messages/test-helpers.js";

const t = useTestApp({ WEBHOOK_ALLOW_PRIVATE: "false" });

describe("a URL refused as private", () => {
  it("names WEBHOOK_ALLOW_PRIVATE for a webhook", async () => {
    const account = await seedAccount(t);
    const res = await send(t, "POST", "/api/v1/webhooks", account.headers, {
      url: "http://127.0.0.1:9/hook",
      events: ["message.status"],
    });
    expect(res.status).toBe(422);
    const { error } = await readBody(res);
    expect(error.message).toContain("WEBHOOK_ALLOW_PRIVATE");
    expect(error.details.fields[0]).toMatchObject({ path: "url", code: "address_not_allowed" });
  });

  it("names WEBHOOK_ALLOW_PRIVATE for a media URL", async () => {
    const account = await accountWithSession(t);
    const res = await send(t, "POST", "/api/v1/messages/send-media", account.headers, {
      to: "+213661234567",
      media: { url: "http://10.1.2.3/a.png" },
    });
    expect(res.status).toBe(422);
    expect((await readBody(res)).error.message).toContain("WEBHOOK_ALLOW_PRIVATE");
  });
});
