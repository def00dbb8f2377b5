import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertPublicUrl, blockedAddressReason, SafeFetchError, safeFetch } from "./safe-fetch.js";

async function fetchError(promise: Promise<unknown>): Promise<SafeFetchError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SafeFetchError) return error;
    throw error;
  }
  throw new Error("expected a SafeFetchError");
}

describe("blockedAddressReason", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "cgnat"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fc00::1", "unique-local"],
    ["fd12:3456::1", "unique-local"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "link-local"],
    ["::10.0.0.1", "private"],
    ["64:ff9b::a00:1", "private"],
    ["2002:c0a8:101::1", "private"],
    ["[::1]", "loopback"],
    ["not-an-ip", "invalid"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(blockedAddressReason(address)).toBe(reason);
  });

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "allows the public address %s",
    (address) => {
      expect(blockedAddressReason(address)).toBeNull();
    },
  );
});

describe("assertPublicUrl", () => {
  it.each([
    "http://127.0.0.1/hook",
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8080/",
    "http://[::ffff:127.0.0.1]/",
    "http://localhost:3000/",
    "https://0.0.0.0/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://127.1/",
    "http://[0:0:0:0:0:ffff:7f00:1]/",
    "http://LOCALHOST/",
  ])("refuses %s as address_not_allowed", async (url) => {
    expect((await fetchError(assertPublicUrl(url))).code).toBe("address_not_allowed");
  });

  it.each(["ftp://example.com/", "file:///etc/passwd", "not a url", "http://user:pw@example.com/"])(
    "refuses %s as url_invalid",
    async (url) => {
      expect((await fetchError(assertPublicUrl(url))).code).toBe("url_invalid");
    },
  );

  it("accepts private targets when allowPrivate", async () => {
    const vetted = await assertPublicUrl("http://localhost:3000/", { allowPrivate: true });
    expect(vetted.addresses.length).toBeGreaterThan(0);
  });

  it("does not put the URL (which may carry a token) in the message", async () => {
    const error = await fetchError(assertPublicUrl("http://127.0.0.1/hook?token=s3cret"));
    expect(error.message).not.toContain("s3cret");
  });
});

describe("safeFetch against a local server", () => {
  let server: Server;
  let base: string;
  const seen: Array<{ url?: string; host?: string; method?: string; body: string }> = [];
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    "/ok": (_req, res) => {
      res.writeHead(200, { "content-type": "image/png" });
      res.end(Buffer.alloc(100, 1));
    },
    "/big-declared": (_req, res) => {
      res.writeHead(200, { "content-type": "image/png", "content-length": "5000" });
      res.end(Buffer.alloc(5000));
    },
    "/big-streamed": (_req, res) => {
      res.writeHead(200, { "content-type": "image/png" });
      for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000));
      res.end();
    },
    "/html": (_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<html></html>");
    },
    "/hang": () => {},
    "/redirect": (_req, res) => {
      res.writeHead(302, { location: "/ok" });
      res.end();
    },
    "/echo": (req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(req.headers["x-test"] ?? "");
    },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({
          url: req.url,
          host: req.headers.host,
          method: req.method,
          body: Buffer.concat(chunks).toString(),
        });
        routes[req.url ?? ""]?.(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("refuses the local server without allowPrivate, before connecting", async () => {
    const before = seen.length;
    expect((await fetchError(safeFetch(`${base}/ok`))).code).toBe("address_not_allowed");
    expect(seen.length).toBe(before);
  });

  it("fetches with allowPrivate, keeping the Host header of the URL", async () => {
    const port = (server.address() as AddressInfo).port;
    const res = await safeFetch(`http://localhost:${port}/ok`, {
      allowPrivate: true,
      allowedContentTypes: ["image/*"],
    });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe("image/png");
    expect(res.body.length).toBe(100);
    expect(seen.at(-1)?.host).toBe(`localhost:${port}`);
  });

  it("sends method, headers and body; a 5xx is an answer, not an error", async () => {
    const res = await safeFetch(`${base}/echo`, {
      allowPrivate: true,
      method: "POST",
      headers: { "x-test": "hello", "content-type": "application/json" },
      body: '{"a":1}',
    });
    expect(res.status).toBe(500);
    expect(res.body.toString()).toBe("hello");
    expect(seen.at(-1)).toMatchObject({ method: "POST", body: '{"a":1}' });
  });

  it("refuses a body larger than maxBytes, declared or streamed", async () => {
    const declared = await fetchError(
      safeFetch(`${base}/big-declared`, { allowPrivate: true, maxBytes: 1000 }),
    );
    expect(declared.code).toBe("too_large");
    const streamed = await fetchError(
      safeFetch(`${base}/big-streamed`, { allowPrivate: true, maxBytes: 1000 }),
    );
    expect(streamed.code).toBe("too_large");
  });

  it("refuses a content type that is not allowed", async () => {
    const error = await fetchError(
      safeFetch(`${base}/html`, {
        allowPrivate: true,
        allowedContentTypes: ["image/png", "video/*"],
      }),
    );
    expect(error.code).toBe("content_type_not_allowed");
  });

  it("times out on a server that never answers", async () => {
    // The server never answers: only the 300 ms timeout can end the call, and it says so.
    const error = await fetchError(
      safeFetch(`${base}/hang`, { allowPrivate: true, timeoutMs: 300 }),
    );
    expect(error.code).toBe("timeout");
  });

  it("does not follow redirects unless asked, and re-vets each hop when it does", async () => {
    const res = await safeFetch(`${base}/redirect`, { allowPrivate: true });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("/ok");
    const followed = await safeFetch(`${base}/redirect`, { allowPrivate: true, maxRedirects: 3 });
    expect(followed.status).toBe(200);
    expect(followed.url).toBe(`${base}/ok`);
  });

  it("connects to the address it vetted, not to what DNS says later (no rebinding)", async () => {
    const port = (server.address() as AddressInfo).port;
    let lookups = 0;
    // First answer (vetting) is the local server; any later lookup would point elsewhere.
    const resolve = async () => {
      lookups++;
      return [{ address: lookups === 1 ? "127.0.0.1" : "10.255.255.1", family: 4 }];
    };
    const res = await safeFetch(`http://rebind.example:${port}/ok`, {
      allowPrivate: true,
      resolve,
      timeoutMs: 2000,
    });
    expect(res.status).toBe(200);
    expect(lookups).toBe(1);
    expect(seen.at(-1)?.host).toBe(`rebind.example:${port}`);
  });

  it("refuses a host when ANY of its addresses is internal", async () => {
    const resolve = async () => [
      { address: "93.184.215.14", family: 4 },
      { address: "10.0.0.5", family: 4 },
    ];
    const error = await fetchError(safeFetch("http://mixed.example/", { resolve }));
    expect(error.code).toBe("address_not_allowed");
    expect(error.message).toContain("private");
  });

  it("fails cleanly on a closed port", async () => {
    const error = await fetchError(
      safeFetch("http://127.0.0.1:1/", { allowPrivate: true, timeoutMs: 2000 }),
    );
    expect(error.code).toBe("fetch_failed");
  });
});
