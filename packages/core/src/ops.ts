import { timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import type { Registry } from "prom-client";

export type ReadinessCheck = () => Promise<boolean>;

export interface OpsRoutesOptions {
  /** Named dependency checks for `/readyz`, e.g. `{ postgres, redis }`. */
  checks: Record<string, ReadinessCheck>;
  registry: Registry;
  /** When set, `/metrics` requires `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** `/healthz`, `/readyz` and `/metrics`: the same three on every service. */
export function createOpsRoutes(options: OpsRoutesOptions): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const names = Object.keys(options.checks);
    const results = await Promise.all(names.map((name) => options.checks[name]!()));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i] ? "ok" : "down"]));
    const ready = results.every(Boolean);
    return c.json({ status: ready ? "ready" : "unavailable", checks }, ready ? 200 : 503);
  });
  app.get("/metrics", async (c) => {
    if (options.metricsToken) {
      const header = c.req.header("authorization") ?? "";
      const token = header.startsWith("Bearer ") ? header.slice(7) : "";
      if (!sameSecret(token, options.metricsToken)) {
        return c.text("unauthorized\n", 401);
      }
    }
    const body = await options.registry.metrics();
    return c.body(body, 200, { "content-type": options.registry.contentType });
  });
  return app;
}
