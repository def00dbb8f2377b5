/** Sent and failed per day as grouped bars (SVG, no library), with the numbers in a title per bar. */
export function BarChart({
  days,
  label,
}: {
  days: { date: string; sent: number; failed: number }[];
  label: string;
}) {
  const max = Math.max(1, ...days.map((d) => Math.max(d.sent, d.failed)));
  const width = Math.max(days.length * 12, 12);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} 100`} preserveAspectRatio="none" role="img" aria-label={label}>
        {days.map((d, i) => (
          <g key={d.date}>
            <rect
              x={i * 12 + 1}
              y={100 - (d.sent / max) * 100}
              width={5}
              height={(d.sent / max) * 100}
              className="bar-sent"
            >
              <title>{`${d.date}: ${d.sent} sent`}</title>
            </rect>
            <rect
              x={i * 12 + 6}
              y={100 - (d.failed / max) * 100}
              width={5}
              height={(d.failed / max) * 100}
              className="bar-failed"
            >
              <title>{`${d.date}: ${d.failed} failed`}</title>
            </rect>
          </g>
        ))}
      </svg>
      <figcaption>
        <span className="key key-sent">sent</span> <span className="key key-failed">failed</span> ·{" "}
        {label}
      </figcaption>
    </figure>
  );
}
