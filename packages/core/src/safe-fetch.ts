import { lookup as dnsLookup } from "node:dns/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { blockedAddressReason } from "./safe-fetch-ip.js";

export { blockedAddressReason, isPublicAddress } from "./safe-fetch-ip.js";

export type SafeFetchErrorCode =
  | "url_invalid"
  | "address_not_allowed"
  | "too_large"
  | "timeout"
  | "content_type_not_allowed"
  | "fetch_failed";

/**
 * Why a server-side fetch was refused or failed, with a stable `code`. Messages name the
 * host at most, never the full URL (a webhook URL may carry a token in its query).
 */
export class SafeFetchError extends Error {
  constructor(
    public readonly code: SafeFetchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SafeFetchError";
  }
}

export interface UrlPolicy {
  /** Allow loopback, private, link-local... targets (`WEBHOOK_ALLOW_PRIVATE`). Default false. */
  allowPrivate?: boolean;
  /** Resolves a host name to every address. Default `dns.lookup(host, {all: true})`. */
  resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

const systemResolve = (host: string) => dnsLookup(host, { all: true, verbatim: true });

export interface SafeFetchOptions extends UrlPolicy {
  /** Whole-request budget: DNS, connect, headers and body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Largest response body accepted; the download is aborted past it. Default 10 MiB. */
  maxBytes?: number;
  /** Default `GET`. */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /**
   * MIME types a 2xx answer may carry (`image/png`, `image/*`, `*\/*`); parameters such as
   * `; charset=utf-8` are ignored. Unset: any. Non-2xx answers are not checked.
   */
  allowedContentTypes?: string[];
  /** Redirects to follow, each hop vetted again like the first URL. Default 0, at most 3. */
  maxRedirects?: number;
  /** Cancels the request from outside (e.g. shutdown); reported as `fetch_failed`. */
  signal?: AbortSignal;
}

export interface SafeFetchResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
  /** The MIME type without parameters, lower case, or null when the answer has none. */
  contentType: string | null;
  /** The URL that answered (differs from the input only after followed redirects). */
  url: string;
}

export interface VettedUrl {
  url: URL;
  /** Every address the host resolved to, all of them allowed by the policy. */
  addresses: Array<{ address: string; family: 4 | 6 }>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Parses and checks the shape of a URL: http(s) only, a host, no credentials. */
export function parseFetchUrl(raw: string | URL): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SafeFetchError("url_invalid", "not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SafeFetchError("url_invalid", "only http and https URLs are allowed");
  }
  if (!url.hostname) throw new SafeFetchError("url_invalid", "the URL has no host");
  if (url.username || url.password) {
    throw new SafeFetchError("url_invalid", "credentials in the URL are not allowed");
  }
  return url;
}

const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, "");

/**
 * Resolves the URL's host (every address, as `dns.lookup` gives them) and refuses it when
 * ANY address is loopback, private, link-local, unique-local, CGNAT, multicast, reserved
 * or unspecified (or an IPv6 form embedding one), unless `allowPrivate`. Use it when
 * accepting a URL (webhook create/update, media URLs); `safeFetch` runs it again at fetch
 * time and connects only to the addresses it vetted.
 */
export async function assertPublicUrl(
  raw: string | URL,
  policy: UrlPolicy = {},
): Promise<VettedUrl> {
  const url = parseFetchUrl(raw);
  const host = bareHost(url);
  let addresses: VettedUrl["addresses"];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  } else {
    try {
      const found = await (policy.resolve ?? systemResolve)(host);
      addresses = found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
    } catch {
      throw new SafeFetchError("fetch_failed", `the host ${host} does not resolve`);
    }
    if (addresses.length === 0) {
      throw new SafeFetchError("fetch_failed", `the host ${host} does not resolve`);
    }
  }
  if (!policy.allowPrivate) {
    for (const { address } of addresses) {
      const reason = blockedAddressReason(address);
      if (reason) {
        throw new SafeFetchError(
          "address_not_allowed",
          `the host ${host} resolves to a ${reason} address, which is not allowed`,
        );
      }
    }
  }
  return { url, addresses };
}

function mimeOf(contentType: string | undefined): string | null {
  const mime = contentType?.split(";")[0]?.trim().toLowerCase();
  return mime ? mime : null;
}

function contentTypeAllowed(mime: string | null, allowed: string[]): boolean {
  if (!mime) return false;
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === "*/*") return true;
    if (p.endsWith("/*")) return mime.startsWith(p.slice(0, -1));
    return mime === p;
  });
}

function flattenHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

interface HopOptions {
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  maxBytes: number;
  allowedContentTypes: string[] | undefined;
  signal: AbortSignal;
  timedOut: () => boolean;
}

/** One HTTP exchange with the connection pinned to an address vetted beforehand. */
function requestPinned(
  vetted: VettedUrl,
  hop: HopOptions,
): Promise<SafeFetchResponse & { location?: string }> {
  const { url } = vetted;
  const pinned = vetted.addresses[0] as { address: string; family: 4 | 6 };
  // The socket connects to the vetted address whatever DNS says now (no rebinding), while
  // the Host header and TLS SNI/certificate check keep the original host name.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options?.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const transport = url.protocol === "https:" ? https : http;
  const headers = { ...hop.headers };
  if (hop.body) headers["content-length"] = String(hop.body.length);

  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => {
      if (error instanceof SafeFetchError) return reject(error);
      if (hop.timedOut()) return reject(new SafeFetchError("timeout", "the request timed out"));
      const detail =
        error instanceof Error && "code" in error ? String(error.code) : "network error";
      reject(
        new SafeFetchError("fetch_failed", `the request to ${bareHost(url)} failed: ${detail}`),
      );
    };
    const req = transport.request(
      {
        protocol: url.protocol,
        hostname: bareHost(url),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: hop.method,
        headers,
        lookup,
        signal: hop.signal,
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const responseHeaders = flattenHeaders(res);
        const contentType = mimeOf(res.headers["content-type"]);
        const base = { status, headers: responseHeaders, contentType, url: url.toString() };
        if (REDIRECT_STATUSES.has(status) && res.headers.location) {
          res.resume();
          resolve({ ...base, body: Buffer.alloc(0), location: res.headers.location });
          return;
        }
        const refuse = (error: SafeFetchError) => {
          // Reject first: destroying the sockets makes them report errors of their own.
          reject(error);
          res.destroy();
          req.destroy();
        };
        if (status >= 200 && status < 300 && hop.allowedContentTypes) {
          if (!contentTypeAllowed(contentType, hop.allowedContentTypes)) {
            return refuse(
              new SafeFetchError(
                "content_type_not_allowed",
                `the content type ${contentType ?? "(none)"} is not allowed`,
              ),
            );
          }
        }
        const declared = Number(res.headers["content-length"]);
        if (Number.isFinite(declared) && declared > hop.maxBytes) {
          return refuse(
            new SafeFetchError("too_large", `the body is larger than ${hop.maxBytes} bytes`),
          );
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > hop.maxBytes) {
            refuse(
              new SafeFetchError("too_large", `the body is larger than ${hop.maxBytes} bytes`),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => resolve({ ...base, body: Buffer.concat(chunks, size) }));
        res.on("error", fail);
        res.on("aborted", () => fail(new Error("aborted")));
      },
    );
    req.on("error", fail);
    req.end(hop.body);
  });
}

/** `promise`, or `onAbort()` as a rejection as soon as `signal` aborts (no dangling listener). */
function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  onAbort: () => Error,
): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/**
 * A server-side HTTP request that cannot be pointed at the server's own network (SSRF
 * guard). Only http/https; the host is resolved here and refused if any address is
 * internal (see `assertPublicUrl`) unless `allowPrivate`; the connection is pinned to the
 * vetted address; redirects are not followed unless `maxRedirects` (each hop re-vetted);
 * the body is capped while streaming and the whole exchange by `timeoutMs`.
 * Throws `SafeFetchError`; any HTTP status (including 4xx/5xx) is a normal answer.
 */
export async function safeFetch(
  raw: string | URL,
  options: SafeFetchOptions = {},
): Promise<SafeFetchResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRedirects = Math.min(options.maxRedirects ?? 0, MAX_REDIRECTS);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const signal = options.signal
    ? AbortSignal.any([controller.signal, options.signal])
    : controller.signal;
  const timeoutError = () => new SafeFetchError("timeout", "the request timed out");

  let method = (options.method ?? "GET").toUpperCase();
  let body = typeof options.body === "string" ? Buffer.from(options.body) : options.body;
  let current: string | URL = raw;
  try {
    for (let hop = 0; ; hop++) {
      // DNS itself may hang: the vetting step races the same deadline.
      const vetted = await untilAborted(assertPublicUrl(current, options), signal, () =>
        timedOut ? timeoutError() : new SafeFetchError("fetch_failed", "aborted"),
      );
      const response = await requestPinned(vetted, {
        method,
        headers: options.headers ?? {},
        body,
        maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
        allowedContentTypes: options.allowedContentTypes,
        signal,
        timedOut: () => timedOut,
      });
      const { location, ...answer } = response;
      if (!location || hop >= maxRedirects) return answer;
      try {
        current = new URL(location, vetted.url);
      } catch {
        throw new SafeFetchError("url_invalid", "the redirect location is not a valid URL");
      }
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === "POST")
      ) {
        method = "GET";
        body = undefined;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
