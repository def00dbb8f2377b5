import { auditLogs, newId } from "@wagate/db";
import { and, eq, gte, sql } from "drizzle-orm";
import { addDays, type JobContext, type JobDefinition, utcDayStart } from "../context.js";

export const SUSPICIOUS_KINDS = [
  "failed_logins_admin",
  "failed_logins_ip",
  "api_key_many_ips",
  "quota_spike",
] as const;
export type SuspiciousKind = (typeof SUSPICIOUS_KINDS)[number];

interface Finding {
  kind: SuspiciousKind;
  targetType: "admin" | "ip" | "api_key" | "user";
  targetId: string;
  /** Start of the window the evidence covers; a finding is recorded once per subject and window. */
  windowStart: Date;
  windowEnd: Date;
  evidence: Record<string, unknown>;
}

/**
 * Writes the finding to audit_logs (`actor_type: system`, action `suspicious.<kind>`) unless
 * one for the same kind and subject was already recorded since the window began: windows
 * overlap from run to run, and one burst must be reported once. The job lock keeps two
 * runs from racing here.
 */
async function record(ctx: JobContext, finding: Finding): Promise<boolean> {
  const action = `suspicious.${finding.kind}`;
  const [existing] = await ctx.db
    .select({ id: auditLogs.id })
    .from(auditLogs)
    .where(
      and(
        eq(auditLogs.action, action),
        eq(auditLogs.targetType, finding.targetType),
        eq(auditLogs.targetId, finding.targetId),
        gte(auditLogs.createdAt, finding.windowStart),
      ),
    )
    .limit(1);
  if (existing) return false;
  await ctx.db.insert(auditLogs).values({
    id: newId("auditLog", ctx.now().getTime()),
    actorType: "system",
    actorId: null,
    action,
    targetType: finding.targetType,
    targetId: finding.targetId,
    metadata: {
      ...finding.evidence,
      window_start: finding.windowStart.toISOString(),
      window_end: finding.windowEnd.toISOString(),
    },
    createdAt: ctx.now(),
  });
  ctx.metrics.suspiciousActivity.inc({ kind: finding.kind });
  ctx.logger.warn(
    { kind: finding.kind, targetType: finding.targetType, targetId: finding.targetId },
    "suspicious activity",
  );
  return true;
}

async function failedLogins(ctx: JobContext, from: Date, to: Date): Promise<Finding[]> {
  const s = ctx.settings;
  const range = sql`created_at >= ${from.toISOString()}::timestamptz and created_at <= ${to.toISOString()}::timestamptz`;
  const byAdmin = await ctx.db.execute<{ subject: string; failures: number; ips: string[] }>(sql`
    select admin_id as subject, count(*)::int as failures,
           (array_agg(distinct ip) filter (where ip is not null))[1:20] as ips
      from login_history
     where success = false and admin_id is not null and ${range}
     group by admin_id
    having count(*) >= ${s.SUSPICIOUS_FAILED_LOGINS_PER_ADMIN}`);
  const byIp = await ctx.db.execute<{ subject: string; failures: number; emails: string[] }>(sql`
    select ip as subject, count(*)::int as failures,
           (array_agg(distinct email))[1:20] as emails
      from login_history
     where success = false and ip is not null and ${range}
     group by ip
    having count(*) >= ${s.SUSPICIOUS_FAILED_LOGINS_PER_IP}`);
  return [
    ...byAdmin.map((r) => ({
      kind: "failed_logins_admin" as const,
      targetType: "admin" as const,
      targetId: r.subject,
      windowStart: from,
      windowEnd: to,
      evidence: {
        failures: r.failures,
        ips: r.ips ?? [],
        threshold: s.SUSPICIOUS_FAILED_LOGINS_PER_ADMIN,
      },
    })),
    ...byIp.map((r) => ({
      kind: "failed_logins_ip" as const,
      targetType: "ip" as const,
      targetId: r.subject,
      windowStart: from,
      windowEnd: to,
      evidence: {
        failures: r.failures,
        emails: r.emails ?? [],
        threshold: s.SUSPICIOUS_FAILED_LOGINS_PER_IP,
      },
    })),
  ];
}

/** A key used from many distinct addresses within the window (api_logs, partition-pruned). */
async function keyManyIps(ctx: JobContext, from: Date, to: Date): Promise<Finding[]> {
  const threshold = ctx.settings.SUSPICIOUS_KEY_DISTINCT_IPS;
  const rows = await ctx.db.execute<{
    key_id: string;
    user_id: string | null;
    ips: number;
    requests: number;
    sample: string[];
  }>(sql`
    select api_key_id as key_id, min(user_id) as user_id, count(distinct ip)::int as ips,
           count(*)::int as requests, (array_agg(distinct ip))[1:20] as sample
      from api_logs
     where created_at >= ${from.toISOString()}::timestamptz
       and created_at <= ${to.toISOString()}::timestamptz
       and api_key_id is not null and ip is not null
     group by api_key_id
    having count(distinct ip) >= ${threshold}`);
  return rows.map((r) => ({
    kind: "api_key_many_ips" as const,
    targetType: "api_key" as const,
    targetId: r.key_id,
    windowStart: from,
    windowEnd: to,
    evidence: {
      user_id: r.user_id,
      distinct_ips: r.ips,
      requests: r.requests,
      ips: r.sample ?? [],
      threshold,
    },
  }));
}

/**
 * An account using its daily quota far faster than it usually sends: today's live sends
 * (messages created today) reach SUSPICIOUS_QUOTA_FRACTION of max_messages_per_day and
 * SUSPICIOUS_QUOTA_SPIKE_FACTOR times its trailing 7-day daily average (from usage_stats:
 * sent + failed). Recorded once per account and UTC day.
 */
async function quotaSpikes(ctx: JobContext, now: Date): Promise<Finding[]> {
  const s = ctx.settings;
  const today = utcDayStart(now);
  const weekAgo = addDays(today, -7);
  const rows = await ctx.db.execute<{
    user_id: string;
    today_count: number;
    quota: number;
    trailing_avg: number;
  }>(sql`
    with today as (
      select user_id, count(*)::int as n from messages
       where created_at >= ${today.toISOString()}::timestamptz
         and direction = 'outbound' and mode = 'live'
       group by user_id
    ), trail as (
      select user_id, sum(messages_sent + messages_failed)::float / 7 as avg
        from usage_stats
       where date >= ${weekAgo.toISOString().slice(0, 10)}::date
         and date < ${today.toISOString().slice(0, 10)}::date
       group by user_id
    )
    select t.user_id, t.n as today_count, u.max_messages_per_day as quota,
           coalesce(tr.avg, 0)::float as trailing_avg
      from today t
      join users u on u.id = t.user_id
      left join trail tr on tr.user_id = t.user_id
     where u.max_messages_per_day > 0
       and t.n >= ${s.SUSPICIOUS_QUOTA_FRACTION}::float * u.max_messages_per_day
       and t.n >= ${s.SUSPICIOUS_QUOTA_SPIKE_FACTOR}::float * coalesce(tr.avg, 0)`);
  return rows.map((r) => ({
    kind: "quota_spike" as const,
    targetType: "user" as const,
    targetId: r.user_id,
    windowStart: today,
    windowEnd: now,
    evidence: {
      messages_today: r.today_count,
      max_messages_per_day: r.quota,
      trailing_daily_average: Math.round(r.trailing_avg * 100) / 100,
    },
  }));
}

export const detectSuspicious: JobDefinition = {
  name: "detect-suspicious",
  description:
    "Find many failed logins per admin or IP, an API key used from many IPs, and quota " +
    "exhaustion spikes; record each once in audit_logs (suspicious.<kind>) and count it in " +
    "wagate_suspicious_activity_total{kind}.",
  schedules: (s) =>
    s.SCHEDULE_DETECT_SUSPICIOUS === "off"
      ? []
      : [{ id: "detect-suspicious", pattern: s.SCHEDULE_DETECT_SUSPICIOUS }],
  run: async (ctx) => {
    const now = ctx.now();
    const from = new Date(now.getTime() - ctx.settings.SUSPICIOUS_WINDOW_SECONDS * 1000);
    const findings = [
      ...(await failedLogins(ctx, from, now)),
      ...(await keyManyIps(ctx, from, now)),
      ...(await quotaSpikes(ctx, now)),
    ];
    const counts: Record<string, number> = { findings: findings.length, recorded: 0 };
    for (const finding of findings) {
      if (await record(ctx, finding)) {
        counts.recorded = (counts.recorded ?? 0) + 1;
        counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
      }
    }
    return counts;
  },
};
