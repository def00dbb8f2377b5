import { request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { closeServer, listen } from "@wagate/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountWithSession } from "../src/routes/messages/test-helpers.js";
import { useTestApp } from "./harness.js";

/**
 * MAX_BODY_BYTES over real HTTP: a body declared too large is refused from its
 * Content-Length, a chunked one as it streams past the limit, and a body within the limit
 * is read (straight from the socket, without @hono/node-server building a Request).
 */
const LIMIT = 2048;
const t = useTestApp({ MAX_BODY_BYTES: String(LIMIT) });
let server: Server;
let port: number;
let authorization: string;

beforeAll(async () => {
  server = await listen(t.app, 0, "127.0.0.1");
  port = (server.address() as AddressInfo).port;
  authorization = (await accountWithSession(t)).headers.authorization!;
});
afterAll(async () => {
  await closeServer(server);
});

type SendAnswer = { status?: string; error?: { code: string } };

/** POSTs `body` to send-text, chunked when asked (no Content-Length then). */
function post(body: string, chunked: boolean): Promise<{ status: number; json: SendAnswer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/api/v1/messages/send-text",
        headers: {
          authorization,
          "content-type": "application/json",
          ...(chunked
            ? { "transfer-encoding": "chunked" }
            : { "content-length": Buffer.byteLength(body) }),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    if (chunked) {
      // Several chunks, so the limit is met while the body streams.
      for (let i = 0; i < body.length; i += 500) req.write(body.slice(i, i + 500));
    } else req.write(body);
    req.end();
  });
}

const sendBody = (textLength: number) =>
  JSON.stringify({ to: "+213661234567", text: "x".repeat(textLength) });

describe("request body limit", () => {
  it.each([false, true])(
    "refuses a body over MAX_BODY_BYTES with 413 (chunked: %s)",
    async (chunked) => {
      const res = await post(sendBody(LIMIT + 100), chunked);
      expect(res.status).toBe(413);
      expect(res.json.error?.code).toBe("payload_too_large");
    },
  );

  it.each([false, true])("reads a body within the limit (chunked: %s)", async (chunked) => {
    const res = await post(sendBody(100), chunked);
    expect(res.status).toBe(202);
    expect(res.json.status).toBe("queued");
  });
});
