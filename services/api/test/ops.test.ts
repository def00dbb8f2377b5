import { describe, expect, it } from "vitest";
import { useTestApp } from "./harness.js";

const t = useTestApp();

describe("ops routes", () => {
  it("answers healthz, readyz and metrics, with a request id on every answer", async () => {
    const health = await t.app.request("/healthz");
    expect(health.status).toBe(200);
    expect(health.headers.get("x-request-id")).toMatch(/^req_/);
    const ready = await t.app.request("/readyz");
    expect(await ready.json()).toEqual({
      status: "ready",
      checks: { postgres: "ok", redis: "ok" },
    });
    const metrics = await t.app.request("/metrics");
    expect(await metrics.text()).toContain("wagate_process_cpu_user_seconds_total");
  });

  it("renders unknown routes as the error envelope, with or without a trailing slash", async () => {
    const res = await t.app.request("/api/v1/nope/");
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(body).toEqual({
      error: {
        code: "not_found",
        message: "no such route",
        request_id: res.headers.get("x-request-id"),
      },
    });
  });

  it("serves an OpenAPI 3.1 document and the docs page", async () => {
    const doc = await t.app.request("/api/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toBe("3.1.0");
    expect((await t.app.request("/docs")).status).toBe(200);
  });
});
