import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import type { AppEnv } from "./context.js";

/** `::ffff:1.2.3.4` (IPv4 mapped into IPv6 by a dual-stack socket) reads as `1.2.3.4`. */
const unmapIpv4 = (ip: string) => (ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip);

/**
 * The client's IP address, or null when unknown.
 *
 * With `TRUST_PROXY=true` the right-most `X-Forwarded-For` entry wins: it is the one the
 * (single, trusted) reverse proxy appended, so a client cannot spoof it by sending its own
 * header. Otherwise the socket's remote address is used. Under `app.request()` (tests) there
 * is no socket and, without a trusted proxy header, the answer is null.
 */
export function clientIp(c: Context<AppEnv>): string | null {
  if (c.get("deps")?.env.TRUST_PROXY) {
    const forwarded = c.req.header("x-forwarded-for");
    if (forwarded) {
      const hops = forwarded
        .split(",")
        .map((hop) => hop.trim())
        .filter(Boolean);
      const last = hops[hops.length - 1];
      if (last) return unmapIpv4(last);
    }
  }
  try {
    const address = getConnInfo(c).remote.address;
    return address ? unmapIpv4(address) : null;
  } catch {
    return null;
  }
}

/** The `User-Agent` header, trimmed to a sane length for storage; null when absent. */
export function userAgent(c: Context<AppEnv>): string | null {
  const value = c.req.header("user-agent");
  return value ? value.slice(0, 512) : null;
}
