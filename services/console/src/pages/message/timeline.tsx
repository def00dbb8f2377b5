import type { Schema } from "../../api/types.js";
import { Status, when } from "../../components/status.js";

export interface TimelineStep {
  status: string;
  at: string;
  detail?: string | null;
}

/** The steps a message went through, from the times on the message itself. */
export function stepsFromMessage(message: Schema<"Message">): TimelineStep[] {
  const steps: [string, string | null][] = [
    [
      message.send_at ? "scheduled" : message.direction === "inbound" ? "received" : "queued",
      message.created_at,
    ],
    ["sent", message.sent_at],
    ["delivered", message.delivered_at],
    ["read", message.read_at],
    ["failed", message.failed_at],
    ["cancelled", message.cancelled_at],
  ];
  return steps
    .filter((s): s is [string, string] => Boolean(s[1]))
    .map(([status, at]) => ({ status, at }));
}

/** A status timeline as an ordered list with times. */
export function Timeline({ steps }: { steps: TimelineStep[] }) {
  return (
    <ol className="timeline" aria-label="Status timeline">
      {steps.map((step) => (
        <li key={`${step.status}-${step.at}`}>
          <Status value={step.status} /> <time dateTime={step.at}>{when(step.at)}</time>
          {step.detail ? <span className="muted"> · {step.detail}</span> : null}
        </li>
      ))}
    </ol>
  );
}
