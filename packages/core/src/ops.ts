import { timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { Gauge, type Registry } from "prom-client";

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

/**
 * `wagate_dependency_up{dependency}`: 1 when the `/readyz` check of that dependency passes,
 * 0 when not, run on every scrape, so alerts see Postgres or Redis down from every service.
 */
function registerDependencyGauge(registry: Registry, checks: Record<string, ReadinessCheck>) {
  if (registry.getSingleMetric("wagate_dependency_up")) return;
  new Gauge({
    name: "wagate_dependency_up",
    help: "Whether a dependency answers this service's readiness check (1) or not (0).",
    labelNames: ["dependency"],
    registers: [registry],
    async collect() {
      const names = Object.keys(checks);
      const results = await Promise.all(names.map((name) => checks[name]!().catch(() => false)));
      for (const [i, dependency] of names.entries()) this.set({ dependency }, results[i] ? 1 : 0);
    },
  });
}

/** `/healthz`, `/readyz` and `/metrics`: the same three on every service. */
export function createOpsRoutes(options: OpsRoutesOptions): Hono {
  const app = new Hono();
  registerDependencyGauge(options.registry, options.checks);
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
