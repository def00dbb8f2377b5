import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createMetricsRegistry } from "@wagate/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * The monitoring kit cannot be started here (no Docker engine), so this keeps it honest by
 * reading it: every PromQL expression of the dashboard and the alert rules names metrics the
 * code really exports, every alert has its runbook section, and the compose `monitoring`
 * profile mounts files that exist where Prometheus and Grafana look for them.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "dist") return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

/** Metric names spelled in the services' and packages' source (not in tests). */
function metricsInCode(): Set<string> {
  const names = new Set<string>();
  for (const top of ["services", "packages"]) {
    for (const file of sourceFiles(join(root, top))) {
      for (const match of readFileSync(file, "utf8").matchAll(/["'`](wagate_[a-z0-9_]+)["'`]/g)) {
        names.add(match[1]!);
      }
    }
  }
  return names;
}

/**
 * prom-client's default process metrics as `createMetricsRegistry` registers them; gauges
 * that prom-client names `..._total` are also known without `_total` (the team's naming).
 */
async function defaultMetrics(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await createMetricsRegistry("check").getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === "gauge" && metric.name.endsWith("_total")) {
      names.add(metric.name.slice(0, -"_total".length));
    }
  }
  return names;
}

/** Metric names an expression reads (wagate_* and Prometheus' own `up`). */
const metricsOf = (expr: string) =>
  [...expr.matchAll(/\b(wagate_[a-z0-9_]+|up)\b(?!\s*\()/g)].map((m) => m[1]!);

const known = async () => {
  const names = new Set([...metricsInCode(), ...(await defaultMetrics()), "up"]);
  return (name: string) => names.has(name) || names.has(name.replace(/_(bucket|sum|count)$/, ""));
};

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}

const dashboard = JSON.parse(read("deploy/grafana/dashboards/wagate.json")) as {
  uid: string;
  panels: Panel[];
};
const rules = parse(read("deploy/prometheus/rules/wagate.yml")) as {
  groups: {
    rules: { alert: string; expr: string; annotations: Record<string, string> }[];
  }[];
};
const alerts = rules.groups.flatMap((g) => g.rules);

describe("Grafana dashboard", () => {
  it("reads only metrics the code exports, through the provisioned datasource", async () => {
    const isKnown = await known();
    const datasources = parse(read("deploy/grafana/provisioning/datasources/prometheus.yml")) as {
      datasources: { uid: string; url: string }[];
    };
    const uid = datasources.datasources[0]!.uid;
    const panels = dashboard.panels.filter((p) => p.type !== "row");
    expect(panels.length).toBeGreaterThan(20);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    const unknown: string[] = [];
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe(uid);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        const names = metricsOf(target.expr);
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names) if (!isKnown(name)) unknown.push(`${panel.title}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it("covers what operators asked for", () => {
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    for (const metric of [
      "wagate_messages_total", // sends by status
      "wagate_http_request_duration_seconds_bucket", // accept latency
      "wagate_send_latency_seconds_bucket",
      "wagate_send_queue_jobs",
      "wagate_send_queue_oldest_age_seconds",
      "wagate_sessions",
      "wagate_webhook_deliveries_total",
      "wagate_quota_rejections_total",
      "wagate_scheduler_job_runs_total",
      "wagate_process_resident_memory_bytes",
      "wagate_nodejs_eventloop_lag_seconds",
    ]) {
      expect(
        exprs.some((e) => metricsOf(e).includes(metric)),
        metric,
      ).toBe(true);
    }
  });

  it("reads `exported_job`, never the scrape `job`, for scheduler job names", () => {
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    const scheduler = exprs.filter((e) => e.includes("wagate_scheduler_job"));
    expect(scheduler.length).toBeGreaterThan(0);
    for (const expr of scheduler) expect(expr).not.toMatch(/by \([^)]*\bjob\b/);
  });
});

describe("alert rules", () => {
  it("read only metrics the code exports", async () => {
    const isKnown = await known();
    expect(alerts.length).toBeGreaterThanOrEqual(7);
    for (const alert of alerts) {
      const names = metricsOf(alert.expr);
      expect(names.length, alert.alert).toBeGreaterThan(0);
      for (const name of names) expect(isKnown(name), `${alert.alert}: ${name}`).toBe(true);
    }
  });

  it("each link to their own section of docs/runbook.md", () => {
    const runbook = read("docs/runbook.md");
    const headings = new Set([...runbook.matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1]!));
    for (const alert of alerts) {
      expect(alert.annotations.runbook_url).toBe(`docs/runbook.md#${alert.alert.toLowerCase()}`);
      expect(headings.has(alert.alert), `runbook section for ${alert.alert}`).toBe(true);
    }
  });

  it("include the alerts the issue asks for", () => {
    const names = alerts.map((a) => a.alert);
    for (const name of [
      "WagateSessionDown",
      "WagateSendQueueAgeGrowing",
      "WagateWebhookFailureRatioHigh",
      "WagateSchedulerJobFailing",
      "WagateHttp5xxRatioHigh",
      "WagateRedisUnreachable",
      "WagatePostgresUnreachable",
    ]) {
      expect(names).toContain(name);
    }
  });
});

describe("compose monitoring profile", () => {
  const compose = parse(read("docker-compose.yml")) as {
    services: Record<
      string,
      { image?: string; profiles?: string[]; volumes?: string[]; ports?: string[] }
    >;
    volumes: Record<string, unknown>;
  };
  const mounts = (service: string) =>
    (compose.services[service]?.volumes ?? []).map((v) => {
      const [source, target] = v.split(":");
      return { source: source!, target: target! };
    });

  it("runs pinned Prometheus and Grafana images only in the monitoring profile", () => {
    for (const name of ["prometheus", "grafana"]) {
      const service = compose.services[name]!;
      expect(service.profiles).toEqual(["monitoring"]);
      expect(service.image).toMatch(/^[a-z/]+:v?\d+\.\d+\.\d+$/);
    }
  });

  it("mounts files that exist, where Prometheus and Grafana read them", () => {
    const binds = ["prometheus", "grafana"].flatMap((s) =>
      mounts(s).filter((m) => m.source.startsWith("./")),
    );
    for (const bind of binds) {
      expect(() => statSync(join(root, bind.source)), bind.source).not.toThrow();
    }
    for (const named of ["prometheus", "grafana"].flatMap(mounts)) {
      if (!named.source.startsWith("./")) expect(compose.volumes).toHaveProperty(named.source);
    }

    // Prometheus: the config, and the rules where its rule_files (relative to it) point.
    const prom = mounts("prometheus");
    const config = prom.find((m) => m.target === "/etc/prometheus/prometheus.yml");
    expect(config?.source).toBe("./deploy/prometheus/prometheus.yml");
    const promConfig = parse(read("deploy/prometheus/prometheus.yml")) as {
      rule_files: string[];
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    for (const pattern of promConfig.rule_files) {
      const dir = dirname(join("/etc/prometheus", pattern));
      const mount = prom.find((m) => m.target === dir);
      expect(mount, `a mount at ${dir}`).toBeDefined();
      expect(relative(join(root, "deploy/prometheus"), join(root, mount!.source))).toBe(
        relative("/etc/prometheus", dir),
      );
    }
    // Every scrape target is a compose service on the port it listens on.
    for (const target of promConfig.scrape_configs.flatMap((s) =>
      s.static_configs.flatMap((c) => c.targets),
    )) {
      const [host] = target.split(":");
      expect(compose.services, target).toHaveProperty(host!);
    }

    // Grafana: provisioning, and the dashboards where the provider looks.
    const grafana = mounts("grafana");
    expect(grafana.find((m) => m.target === "/etc/grafana/provisioning")?.source).toBe(
      "./deploy/grafana/provisioning",
    );
    const provider = parse(read("deploy/grafana/provisioning/dashboards/wagate.yml")) as {
      providers: { options: { path: string } }[];
    };
    const dashboards = grafana.find((m) => m.target === provider.providers[0]!.options.path);
    expect(dashboards?.source).toBe("./deploy/grafana/dashboards");
    const datasource = parse(read("deploy/grafana/provisioning/datasources/prometheus.yml")) as {
      datasources: { url: string }[];
    };
    expect(new URL(datasource.datasources[0]!.url).hostname).toBe("prometheus");
  });
});
