import { describe, expect, it } from "vitest";
import { seedAccount, send, useTestApp } from "../../../test/harness.js";

// The operator did not allow private targets: the production default.
const t = useTestApp({ WEBHOOK_ALLOW_PRIVATE: "false" });
const base = "/api/v1/webhooks";

describe("webhook URLs on internal addresses (WEBHOOK_ALLOW_PRIVATE=false)", () => {
  it.each([
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.1/hook",
    "http://192.168.1.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://localhost:3000/hook",
    "http://0.0.0.0/hook",
  ])("refuses %s on create with 422 validation_failed", async (url) => {
    const account = await seedAccount(t);
    const res = await send(t, "POST", base, account.headers, { url, events: ["session.status"] });
    expect(res.status).toBe(422);
    const body = (await res.json()) as {
      error: { code: string; details: { fields: Array<{ path: string }> } };
    };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.fields[0]?.path).toBe("url");
    const list = await send(t, "GET", base, account.headers);
    expect(((await list.json()) as { data: unknown[] }).data).toEqual([]);
  });

  it("refuses an internal URL on update and keeps the old one", async () => {
    const account = await seedAccount(t);
    const created = await send(t, "POST", base, account.headers, {
      url: "https://93.184.215.14/hook",
      events: ["session.status"],
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const res = await send(t, "PATCH", `${base}/${id}`, account.headers, {
      url: "http://169.254.169.254/",
    });
    expect(res.status).toBe(422);
    const got = await send(t, "GET", `${base}/${id}`, account.headers);
    expect(((await got.json()) as { url: string }).url).toBe("https://93.184.215.14/hook");
  });
});
