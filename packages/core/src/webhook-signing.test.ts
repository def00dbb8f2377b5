import { describe, expect, it } from "vitest";
import { generateWebhookSecret, signWebhook, verifyWebhook } from "./webhooks.js";

describe("webhook signing (Standard Webhooks)", () => {
  it("matches the reference vector of the Standard Webhooks libraries", () => {
    // Test vector used by the standard-webhooks / svix reference implementations.
    const signature = signWebhook({
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    });
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("round-trips through verifyWebhook and refuses tampering", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    const now = new Date("2026-01-01T00:00:00Z");
    const timestamp = Math.floor(now.getTime() / 1000);
    const body = JSON.stringify({ type: "message.status", data: { id: "msg_1" } });
    const signature = signWebhook({ id: "whd_1", timestamp, body, secret });
    expect(signature).toMatch(/^v1,/);
    const base = { id: "whd_1", timestamp: String(timestamp), signature, body, secret, now };
    expect(verifyWebhook(base)).toBe(true);
    expect(verifyWebhook({ ...base, signature: `v1,bogus ${signature}` })).toBe(true);
    expect(verifyWebhook({ ...base, body: `${body} ` })).toBe(false);
    expect(verifyWebhook({ ...base, id: "whd_2" })).toBe(false);
    expect(verifyWebhook({ ...base, secret: generateWebhookSecret() })).toBe(false);
    expect(verifyWebhook({ ...base, signature: signature.replace("v1,", "v2,") })).toBe(false);
  });

  it("refuses timestamps more than 5 minutes old or ahead", () => {
    const secret = generateWebhookSecret();
    const now = new Date("2026-01-01T00:00:00Z");
    const at = (offsetSeconds: number) => {
      const timestamp = Math.floor(now.getTime() / 1000) + offsetSeconds;
      const signature = signWebhook({ id: "whd_1", timestamp, body: "{}", secret });
      return verifyWebhook({ id: "whd_1", timestamp, signature, body: "{}", secret, now });
    };
    expect(at(-299)).toBe(true);
    expect(at(299)).toBe(true);
    expect(at(-301)).toBe(false);
    expect(at(301)).toBe(false);
  });
});
