/**
 * Accepting a 100,000-recipient broadcast (`POST /api/v1/broadcasts`, in process through the
 * app: JSON parsing, validation, every row screened — E.164, prefix policy, duplicates,
 * opt-outs, `{{name}}` rendered —, the quota reserved, the broadcast and 100,000 message rows
 * written in one transaction), beside the yardstick of `COPY`-ing the same 100,000 rows
 * (same columns and values) into a bare table with no index, constraint or trigger, in the
 * same run. Also reported: the time to add the 100,000 send jobs to BullMQ after the answer
 * (the API does it in the background), against the same yardstick.
 * BENCH_BROADCAST_RECIPIENTS sets the size (default 100,000).
 */
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createApp, flushBroadcastEnqueues } from "@wagate/api";
import { messages } from "@wagate/db";
import { eq, sql } from "drizzle-orm";
import { type Benchmark, envInt, result, startBenchApi, timed } from "../lib.js";

export const benchmark: Benchmark = {
  name: "broadcast-accept",
  description:
    "POST /broadcasts with 100,000 recipients (screen, quota, one-transaction insert) vs COPY of the same rows into a bare table",
  run: async (ctx) => {
    const n = envInt("BENCH_BROADCAST_RECIPIENTS", 100_000);
    const api = await startBenchApi(ctx);
    const deps = { ...api.deps, env: { ...api.deps.env, REQUEST_TIMEOUT_MS: 600_000 } };
    try {
      const app = createApp(deps);
      const recipients = Array.from({ length: n }, (_, i) => ({
        to: `+21366${1_000_005 + i * 10}`,
        variables: { name: `Customer ${i}` },
      }));
      const body = JSON.stringify({
        name: "bench",
        message: { text: "Hello {{name}}, your order is ready for pick-up." },
        recipients,
      });
      const [acceptMs, res] = await timed(() =>
        app.request("/api/v1/broadcasts", {
          method: "POST",
          headers: { authorization: `ApiKey ${api.rawKey}`, "content-type": "application/json" },
          body,
        }),
      );
      if (res.status !== 202)
        throw new Error(`broadcast refused: ${res.status} ${await res.text()}`);
      const accepted = (await res.json()) as { id: string; recipients: { accepted: number } };
      if (accepted.recipients.accepted !== n) throw new Error("not every recipient was accepted");
      const [enqueueMs] = await timed(() => flushBroadcastEnqueues(deps));

      // The yardstick: the same rows, same columns and values, COPY'd into a bare table.
      const rows = await deps.db
        .select()
        .from(messages)
        .where(eq(messages.broadcastId, accepted.id));
      await deps.db.execute(sql`create table bare_messages (id text, user_id text, session_id text,
        api_key_id text, mode text, direction text, recipient text, type text, content text,
        status text, quota_day date, queued_at timestamptz, created_at timestamptz,
        updated_at timestamptz, broadcast_id text)`);
      const esc = (v: string | null) =>
        v === null ? "\\N" : v.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n");
      const lines = rows.map(
        (r) =>
          `${[
            r.id,
            r.userId,
            r.sessionId,
            r.apiKeyId,
            r.mode,
            r.direction,
            r.recipient,
            r.type,
            r.content,
            r.status,
            r.quotaDay,
            r.queuedAt?.toISOString() ?? null,
            r.createdAt.toISOString(),
            r.updatedAt.toISOString(),
            r.broadcastId,
          ]
            .map(esc)
            .join("\t")}\n`,
      );
      const [copyMs] = await timed(async () => {
        const writable = (await deps.sql`copy bare_messages from stdin`.writable()) as Writable;
        await pipeline(async function* () {
          for (let i = 0; i < lines.length; i += 1000) yield lines.slice(i, i + 1000).join("");
        }, writable);
      });
      return [
        result("broadcast_accept.seconds_100k", acceptMs / 1000, "s", copyMs / 1000),
        result("broadcast_accept.enqueue_seconds_100k", enqueueMs / 1000, "s", copyMs / 1000),
      ];
    } finally {
      await api.close();
    }
  },
};
