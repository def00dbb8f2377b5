import { whatsappSessions } from "@wagate/db";
import { simulatedPairingCode } from "@wagate/whatsapp-worker";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, seedAccount, useTestApp } from "../harness.js";
import { readBody } from "../security.js";
import { eventually, type Stack, startStack } from "./stack.js";

/**
 * Linking by phone number over the real worker (simulator): the API asks the session's owner
 * for a code on `session-cmd`, the owner answers on a reply channel, the session then links
 * as after a QR scan. Through the account's own route and through a pairing link.
 */
const t = useTestApp();
let stack: Stack;

beforeAll(async () => {
  // The QR shows for 6 s before the simulator links: time to ask for a code.
  stack = await startStack(t, { linkDelayMs: 6000 });
});
afterAll(async () => {
  await stack?.stop();
});

const call = (headers: Record<string, string>, method: string, path: string, body?: unknown) =>
  t.app.request(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const codeShape = /^[A-Z0-9]{4}-[A-Z0-9]{4}$/;

describe("pairing codes end to end (simulator)", () => {
  it("POST /sessions/pairing-code answers the code while the session waits, then it links; 409 after", async () => {
    const account = await seedAccount(t, { mode: "test" });
    const init = await call(account.headers, "POST", "/api/v1/sessions/init?session=shop", {});
    expect(init.status).toBe(202);
    const session = await eventually(
      async () => {
        const res = await call(account.headers, "GET", "/api/v1/sessions/status?session=shop");
        const body = await readBody(res);
        return body.status === "qr" ? body : null;
      },
      "the session to show a QR",
      30_000,
    );

    const bad = await call(account.headers, "POST", "/api/v1/sessions/pairing-code?session=shop", {
      phone: "0661",
    });
    expect(bad.status).toBe(422);
    expect((await readBody(bad)).error.details.fields[0].path).toBe("phone");
    // No session of that name: 404, whatever the phone.
    const missing = await call(account.headers, "POST", "/api/v1/sessions/pairing-code", {
      phone: "+213661234567",
    });
    expect(missing.status).toBe(404);

    const res = await call(account.headers, "POST", "/api/v1/sessions/pairing-code?session=shop", {
      phone: "+213 661 23 45 67",
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const { code } = await readBody(res);
    expect(code).toMatch(codeShape);
    const [row] = await t.deps.db
      .select({ id: whatsappSessions.id })
      .from(whatsappSessions)
      .where(
        and(eq(whatsappSessions.userId, account.userId), eq(whatsappSessions.name, session.name)),
      );
    // The worker's simulator answered, for this session and the normalised phone.
    expect(code).toBe(simulatedPairingCode(row!.id, "+213661234567"));
    // The body's `session` wins over the query, and the same phone gets the same code.
    const again = await call(account.headers, "POST", "/api/v1/sessions/pairing-code?session=x", {
      phone: "+213661234567",
      session: "shop",
    });
    expect((await readBody(again)).code).toBe(code);

    await eventually(
      async () => {
        const status = await call(account.headers, "GET", "/api/v1/sessions/status?session=shop");
        return (await readBody(status)).status === "ready";
      },
      "the session to link",
      30_000,
    );
    const late = await call(account.headers, "POST", "/api/v1/sessions/pairing-code?session=shop", {
      phone: "+213661234567",
    });
    expect(late.status).toBe(409);
    expect((await readBody(late)).error.details).toMatchObject({ status: "ready" });
  });

  it("a pairing link's page gets a code, then says linked", async () => {
    const account = await seedAccount(t, { mode: "test" });
    const admin = (await adminHeaders(t, "admin")).headers;
    const made = await call(
      { ...admin, "content-type": "application/json" },
      "POST",
      `/api/v1/users/${account.userId}/sessions/default/pairing-links`,
      {},
    );
    expect(made.status).toBe(201);
    const token = String((await readBody(made)).url).split("/console/pair/")[1]!;
    const json = { "content-type": "application/json" };
    await eventually(
      async () => {
        const res = await call(json, "GET", `/api/v1/pairing/${token}`);
        return (await readBody(res)).session?.status === "qr";
      },
      "the link's session to show a QR",
      30_000,
    );
    const res = await call(json, "POST", `/api/v1/pairing/${token}/pairing-code`, {
      phone: "+14155550123",
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { code } = await readBody(res);
    expect(code).toMatch(codeShape);
    await eventually(
      async () => {
        const state = await call(json, "GET", `/api/v1/pairing/${token}`);
        if (state.status === 404) return true; // marked used by an earlier probe
        return (await readBody(state)).used === true;
      },
      "the link to say linked",
      30_000,
    );
  });
});
