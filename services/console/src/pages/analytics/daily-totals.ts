import type { Schema } from "../../api/types.js";

/** Sums usage rows per UTC day over the last `days` days (days without rows count zero). */
export function dailyTotals(rows: Schema<"UsageStat">[], days: number) {
  const byDay = new Map<string, { sent: number; failed: number }>();
  for (let i = days - 1; i >= 0; i--) {
    byDay.set(new Date(Date.now() - i * 86_400_000).toISOString().slice(0, 10), {
      sent: 0,
      failed: 0,
    });
  }
  for (const row of rows) {
    const day = byDay.get(row.date.slice(0, 10));
    if (day) {
      day.sent += row.messages_sent;
      day.failed += row.messages_failed;
    }
  }
  return [...byDay].map(([date, totals]) => ({ date, ...totals }));
}
