import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../lib/context.js";

/**
 * Content-Security-Policy of every HTML response. No inline script or style element is
 * allowed; inline style attributes are refused too (styles set from JS are fine).
 */
export const HTML_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join("; ");

/** One year; sent only when the public URL is https (a browser ignores it over http anyway). */
export const HSTS = "max-age=31536000; includeSubDomains";

/**
 * Security headers on every response, errors included: `nosniff`, no referrer, never framed
 * (`X-Frame-Options` for old browsers, `frame-ancestors` in the CSP of HTML responses), and
 * HSTS when `PUBLIC_URL` is https. A route that sets one of these itself keeps its value.
 */
export const securityHeaders = (publicUrl: string | undefined) => {
  const https = publicUrl?.startsWith("https:") ?? false;
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    try {
      apply(c.res.headers, https);
    } catch {
      // Immutable headers (e.g. a `Response.redirect()`): copy the response, then set them.
      c.res = new Response(c.res.body, c.res);
      apply(c.res.headers, https);
    }
  });
};

function apply(headers: Headers, https: boolean): void {
  const set = (name: string, value: string) => {
    if (!headers.has(name)) headers.set(name, value);
  };
  set("X-Content-Type-Options", "nosniff");
  set("Referrer-Policy", "no-referrer");
  set("X-Frame-Options", "DENY");
  if (https) set("Strict-Transport-Security", HSTS);
  if (headers.get("content-type")?.toLowerCase().startsWith("text/html")) {
    set("Content-Security-Policy", HTML_CSP);
  }
}
