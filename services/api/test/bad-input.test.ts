import { describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, seedAdmin, useTestApp } from "./harness.js";
import { readBody } from "./security.js";

const t = useTestApp();

interface Envelope {
  error: {
    code: string;
    message: string;
    request_id: string;
    details?: { fields?: Array<{ path: string }>; expected?: string };
  };
}

async function envelope(res: Response): Promise<Envelope> {
  const body = (await readBody(res)) as Envelope;
  expect(body.error.request_id).toMatch(/^req_/);
  return body;
}

describe("a body that is not JSON", () => {
  // curl -d sends application/x-www-form-urlencoded; the framework refused it with a 415
  // HTTPException that became 500 `internal`.
  for (const contentType of [
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data; boundary=x",
    "garbage",
  ]) {
    it(`answers 415 unsupported_media_type for ${contentType}`, async () => {
      const account = await seedAccount(t);
      const res = await t.app.request("/api/v1/messages/send-text", {
        method: "POST",
        headers: { authorization: account.headers.authorization, "content-type": contentType },
        body: "to=%2B213661234567&text=hi",
      });
      expect(res.status).toBe(415);
      const body = await envelope(res);
      expect(body.error.code).toBe("unsupported_media_type");
      expect(body.error.message).toContain("application/json");
      expect(body.error.details?.expected).toBe("application/json");
    });
  }

  it("answers 415 on admin routes and on login too", async () => {
    const { headers } = await adminHeaders(t);
    const res = await t.app.request("/api/v1/users", {
      method: "POST",
      headers: { authorization: headers.authorization, "content-type": "text/plain" },
      body: "{}",
    });
    expect(res.status).toBe(415);
    const login = await t.app.request("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "email=a@b.c&password=x",
    });
    expect(login.status).toBe(415);
    expect((await envelope(login)).error.code).toBe("unsupported_media_type");
  });

  it("answers 400 for malformed JSON and for a bad percent-escape", async () => {
    const account = await seedAccount(t);
    const res = await t.app.request("/api/v1/messages/send-text", {
      method: "POST",
      headers: account.headers,
      body: '{"to": "+2136',
    });
    expect(res.status).toBe(400);
    expect((await envelope(res)).error.code).toBe("validation_failed");
    for (const path of [
      "/api/v1/messages/%E0%A4%A",
      "/api/v1/messages?to=%E0%A4%A",
      "/api/v1/messages/%ZZ",
    ]) {
      const bad = await t.app.request(path, { headers: account.headers });
      expect(bad.status, path).toBeGreaterThanOrEqual(400);
      expect(bad.status, path).toBeLessThan(500);
      await envelope(bad);
    }
  });
});

describe("a NUL character", () => {
  it("in a body string answers 422 naming the field", async () => {
    const account = await seedAccount(t);
    for (const [path, body, field] of [
      ["/api/v1/messages/send-text", { to: "+213661234567", text: "a\u0000b" }, "text"],
      [
        "/api/v1/messages/send-media",
        {
          to: "+213661234567",
          media: { base64: "aGk=", mime_type: "image/png", filename: "a\u0000.png" },
        },
        "media.filename",
      ],
      [
        "/api/v1/webhooks",
        {
          url: "https://example.com/hook",
          events: ["message.status"],
          description: "x\u0000",
        },
        "description",
      ],
    ] as const) {
      const res = await t.app.request(path, {
        method: "POST",
        headers: account.headers,
        body: JSON.stringify(body),
      });
      expect(res.status, path).toBe(422);
      const error = (await envelope(res)).error;
      expect(error.code).toBe("validation_failed");
      expect(error.details?.fields?.[0]?.path).toBe(field);
    }
  });

  it("in the login email answers 422, not 500", async () => {
    const admin = await seedAdmin(t);
    const res = await t.app.request("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `${admin.email}\u0000`, password: admin.password }),
    });
    expect(res.status).toBe(422);
    expect((await envelope(res)).error.details?.fields?.[0]?.path).toBe("email");
  });

  it("in a query answers 422 naming the parameter", async () => {
    const { headers } = await adminHeaders(t);
    for (const path of ["/api/v1/users?search=a%00b", "/api/v1/analytics/api-logs?user_id=%00"]) {
      const res = await t.app.request(path, { headers });
      expect(res.status, path).toBe(422);
      const error = (await envelope(res)).error;
      expect(error.code).toBe("validation_failed");
      expect(error.message).toContain(path.includes("search") ? "search" : "user_id");
    }
  });

  it("in an id path answers 404", async () => {
    const { headers } = await adminHeaders(t);
    const account = await seedAccount(t);
    for (const [path, auth] of [
      ["/api/v1/users/%00", headers],
      ["/api/v1/admins/usr%00x", headers],
      ["/api/v1/messages/%00", account.headers],
      ["/api/v1/webhooks/%00", account.headers],
      ["/api/v1/api-keys/%00", headers],
    ] as const) {
      const res = await t.app.request(path, { headers: auth });
      expect(res.status, path).toBe(404);
      expect((await envelope(res)).error.code).toBe("not_found");
    }
  });
});
