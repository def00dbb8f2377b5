import {
  JOB_NAMES,
  type MessageStatus,
  type MessageWire,
  parseJob,
  sendJobOptions,
  sendJobSchema,
} from "@wagate/contracts";
import { type Executor, messages, whatsappSessions } from "@wagate/db";
import type { Queue } from "bullmq";
import { and, eq, getTableColumns, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { statusesBefore, transitionMessage } from "./message-status.js";
import { type MessageWireSession, toMessageWire } from "./message-wire.js";
import { refundQuota, releaseQuotaUnits } from "./quota.js";

/**
 * The one message lifecycle (docs/internals.md "Messages and the send pipeline"). The API,
 * the worker and the scheduler move a message's status only through these verbs; a test
 * (packages/core/test/lifecycle-guard.test.ts) fails if anything else updates
 * `messages.status`. Each verb is one conditional UPDATE that returns the row when it won
 * and null when the message had already moved on, so every change is made, refunded and
 * announced exactly once however the callers race.
 */

export type MessageRow = typeof messages.$inferSelect;

/**
 * Accepts an outbound message: inserts its row, `queued` (or `scheduled`). Returns null when
 * a concurrent request with the same idempotency key inserted its row first.
 */
export async function insertAcceptedMessage(
  db: Executor,
  values: typeof messages.$inferInsert & { status: "queued" | "scheduled" },
): Promise<MessageRow | null> {
  const [row] = await db
    .insert(messages)
    .values(values)
    .onConflictDoNothing({
      target: [messages.userId, messages.idempotencyKey],
      where: sql`idempotency_key is not null`,
    })
    .returning();
  return row ?? null;
}

/** An accepted row as the batch insert returns it, with its session's number for the wire. */
export type AcceptedMessageRow = MessageRow & { sessionPhoneNumber: string | null };

/**
 * Accepts many outbound messages in ONE statement (the API's group commit): a multi-row
 * INSERT, `ON CONFLICT (user_id, idempotency_key) DO NOTHING`, so a row whose key another
 * request already holds (even one in the same statement) is skipped instead of failing the
 * others. Returns the rows inserted, each with its session's phone number (read in the same
 * statement, for the wire); a value missing from the answer was not inserted. One
 * statement, so it is all or nothing for every other error.
 *
 * The rows travel as ONE JSON parameter read by `json_populate_recordset`: building a
 * Drizzle INSERT of n rows × 25 columns was a tenth of the accept path's CPU, and this
 * statement's text depends only on which columns are given, so it is the same for every
 * batch size (and any size fits, with no 65,535-parameter limit).
 */
export async function insertAcceptedMessages(
  db: Executor,
  values: Array<typeof messages.$inferInsert & { status: "queued" | "scheduled" }>,
): Promise<AcceptedMessageRow[]> {
  if (values.length === 0) return [];
  // Rows giving other columns go in statements of their own: a column a row leaves out
  // takes its default, which a NULL in a shared recordset would not.
  const groups = new Map<string, typeof values>();
  for (const value of values) {
    const signature = Object.keys(value)
      .filter((key) => value[key as keyof typeof value] !== undefined)
      .join(",");
    const group = groups.get(signature);
    if (group) group.push(value);
    else groups.set(signature, [value]);
  }
  const inserted: AcceptedMessageRow[] = [];
  for (const [signature, group] of groups) {
    inserted.push(...(await insertSameColumns(db, signature.split(","), group)));
  }
  return inserted;
}

const MESSAGE_COLUMNS = getTableColumns(messages);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A lone UTF-16 surrogate (half an emoji from a sloppy client) becomes U+FFFD, as the
 * driver's UTF-8 encoding made it before: Postgres refuses its JSON escape (`\ud800`).
 */
const wellFormed = (_key: string, value: unknown) =>
  typeof value === "string" ? value.replace(LONE_SURROGATE, "\uFFFD") : value;

async function insertSameColumns(
  db: Executor,
  keys: string[],
  values: Array<typeof messages.$inferInsert>,
): Promise<AcceptedMessageRow[]> {
  const columns = keys.map((key) => {
    const column = MESSAGE_COLUMNS[key as keyof typeof MESSAGE_COLUMNS];
    if (!column) throw new Error(`messages has no column ${key}`);
    return column;
  });
  const records = values.map((value) => {
    const record: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const given = value[keys[i] as keyof typeof value];
      // Dates as ISO text; JSON columns as JSON (json_populate_recordset reads both).
      record[columns[i]!.name] = given instanceof Date ? given.toISOString() : given;
    }
    return record;
  });
  const names = sql.raw(columns.map((column) => `"${column.name}"`).join(", "));
  const result = await db.execute(sql`
    insert into messages (${names})
    select ${names} from json_populate_recordset(null::messages, ${JSON.stringify(records, wellFormed)}::json)
    on conflict (user_id, idempotency_key) where idempotency_key is not null do nothing
    returning messages.*,
      (select ${whatsappSessions.phoneNumber} from ${whatsappSessions}
        where ${whatsappSessions.id} = messages.session_id) as session_phone_number
  `);
  return (result as unknown as Array<Record<string, unknown>>).map((raw) => ({
    ...messageFromRaw(raw),
    sessionPhoneNumber: (raw.session_phone_number as string | null) ?? null,
  }));
}

/** Queues the send of `messageId` on its session's send queue (validated payload, shared options). */
export async function enqueueSendJob(
  queue: Queue,
  input: { messageId: string; delayMs?: number; priority?: number },
): Promise<void> {
  const data = parseJob(queue.name, sendJobSchema, { messageId: input.messageId });
  await queue.add(
    JOB_NAMES.send,
    data,
    sendJobOptions(input.messageId, input.delayMs ?? 0, input.priority ?? 0),
  );
}

/**
 * Queues many sends on ONE session's send queue with one `addBulk` per `chunk` jobs
 * (validated payloads, the shared options; `priority` for a broadcast's jobs). Up to
 * `chunk` jobs it is all or nothing: on an error none of them is known to be queued. A
 * bigger batch (a broadcast) throws on the first chunk Redis refuses; the rows stay `queued`
 * and the scheduler's reconcile gives them their jobs.
 */
export async function enqueueSendJobs(
  queue: Queue,
  jobs: Array<{ messageId: string; delayMs?: number; priority?: number }>,
  chunk = 1000,
): Promise<void> {
  if (jobs.length === 0) return;
  for (let i = 0; i < jobs.length; i += chunk) {
    await queue.addBulk(
      jobs.slice(i, i + chunk).map((job) => ({
        name: JOB_NAMES.send,
        data: parseJob(queue.name, sendJobSchema, { messageId: job.messageId }),
        opts: sendJobOptions(job.messageId, job.delayMs ?? 0, job.priority ?? 0),
      })),
    );
  }
}

/** Writes a `message.status` event (webhook rows and jobs); throws when it could not. */
export type EmitMessageStatus = (input: {
  userId: string;
  type: "message.status";
  data: MessageWire;
  now: Date;
}) => Promise<unknown>;

/**
 * Announces a status change a lifecycle verb returned: emits `message.status` and returns
 * the wire object. An event that cannot be written is logged and never undoes or fails the
 * change, which is already committed.
 */
export async function announceMessageStatus(
  deps: { logger: Logger; emit: EmitMessageStatus; now: Date },
  row: MessageRow,
  session: MessageWireSession | null,
): Promise<MessageWire> {
  const data = toMessageWire(row, session);
  try {
    await deps.emit({ userId: row.userId, type: "message.status", data, now: deps.now });
  } catch (error) {
    deps.logger.warn({ err: error, messageId: row.id }, "message.status webhook not queued");
  }
  return data;
}

/** Statuses a send job may (re)claim: waiting, or `sending` after an attempt that died. */
export const CLAIMABLE_STATUSES: MessageStatus[] = ["queued", "scheduled", "sending"];

/** A message a sender claimed, with what it was before (for the announcement and recovery). */
export interface ClaimedMessage {
  row: MessageRow;
  /** `sending` means an earlier attempt may have reached WhatsApp: look before sending. */
  previousStatus: MessageStatus;
  /** When that earlier attempt began (null for a first claim). */
  previousSendingAt: Date | null;
  /**
   * The recipient is on the account's opt-out list (read in the claim itself, so the send
   * path's consent check costs no statement of its own).
   */
  recipientOptedOut: boolean;
  /**
   * The `rate` (sends a minute) of the broadcast the message belongs to, when it set one:
   * the sender spaces that broadcast's sends by it even when its jobs fell due together.
   */
  broadcastRatePerMinute: number | null;
}

/**
 * Moves a waiting outbound message of `sessionId` to `sending` under the sender's fencing
 * token, counting the attempt, in one `UPDATE … RETURNING` (no read first). Only a row with
 * no WhatsApp id yet, due now (a `scheduled_at` at most 1 s ahead), not held by a newer
 * owner (larger token) and not waiting in a paused broadcast is claimed; null otherwise, and
 * the caller reads the row to learn why.
 */
export async function claimMessage(
  db: Executor,
  messageId: string,
  input: { sessionId: string; token: number; now: Date },
): Promise<ClaimedMessage | null> {
  const [claimed] = await claimMessages(
    db,
    [{ messageId, sessionId: input.sessionId, token: input.token }],
    input.now,
  );
  return claimed ?? null;
}

/** One message a sender wants to claim: its session and the sender's fencing token. */
export interface ClaimRequest {
  messageId: string;
  sessionId: string;
  token: number;
}

/**
 * `claimMessage` for many messages, of one session or several (the worker's send batches),
 * in ONE statement: the rows are locked in id order, each claimed under the same conditions
 * with its own session and token. The answer holds only the rows claimed (any order; match
 * them by `row.id`). Array parameters keep one statement text (one plan) for any size.
 */
export async function claimMessages(
  db: Executor,
  requests: ClaimRequest[],
  now: Date,
): Promise<ClaimedMessage[]> {
  if (requests.length === 0) return [];
  const dueBy = new Date(now.getTime() + 1000);
  const result = await db.execute(sql`
    with c (id, session_id, token) as (
      select * from unnest(${sql.param(requests.map((r) => r.messageId))}::text[],
        ${sql.param(requests.map((r) => r.sessionId))}::text[],
        ${sql.param(requests.map((r) => r.token))}::bigint[])
    ),
    before as (
      select m.id, m.status, m.sending_at, c.session_id, c.token
      from messages m join c on c.id = m.id
      order by m.id
      for update of m
    )
    update messages m set
      status = 'sending',
      send_token = before.token,
      attempts = m.attempts + 1,
      sending_at = ${now.toISOString()}::timestamptz,
      updated_at = now()
    from before
    where m.id = before.id
      and m.session_id = before.session_id
      and m.direction = 'outbound'
      and m.status in (${sql.raw(quoted(CLAIMABLE_STATUSES))})
      and m.wa_message_id is null
      -- A stale owner (older token) cannot take a row a newer owner already holds.
      and (m.send_token is null or m.send_token <= before.token)
      and (m.scheduled_at is null or m.scheduled_at <= ${dueBy.toISOString()}::timestamptz)
      -- A paused broadcast's waiting messages stay waiting (resume adds their jobs again);
      -- one already being sent finishes.
      and (m.broadcast_id is null or m.status = 'sending' or not exists (
        select 1 from broadcasts b where b.id = m.broadcast_id and b.status = 'paused'))
    returning m.*, before.status as previous_status, before.sending_at as previous_sending_at,
      exists (select 1 from opt_outs o where o.user_id = m.user_id and o.phone = m.recipient)
        as recipient_opted_out,
      (select b.rate_per_minute from broadcasts b where b.id = m.broadcast_id) as broadcast_rate
  `);
  return (result as unknown as Array<Record<string, unknown>>).map((raw) => ({
    row: messageFromRaw(raw),
    previousStatus: raw.previous_status as MessageStatus,
    previousSendingAt:
      raw.previous_sending_at === null || raw.previous_sending_at === undefined
        ? null
        : (messages.sendingAt.mapFromDriverValue(raw.previous_sending_at as string) as Date),
    recipientOptedOut: raw.recipient_opted_out === true || raw.recipient_opted_out === "t",
    broadcastRatePerMinute:
      raw.broadcast_rate === null || raw.broadcast_rate === undefined
        ? null
        : Number(raw.broadcast_rate),
  }));
}

/**
 * Records a `sending` message as `sent` with its WhatsApp id, guarded by the token that
 * claimed it; a sensitive body (an OTP) is forgotten in the same statement.
 */
export function recordMessageSent(
  db: Executor,
  row: MessageRow,
  input: { waMessageId: string; token: number | null; now: Date },
): Promise<MessageRow | null> {
  return transitionMessage(db, row.id, "sent", {
    from: ["sending"],
    set: {
      waMessageId: input.waMessageId,
      errorCode: null,
      errorMessage: null,
      ...forgetSecret(row),
    },
    where: input.token === null ? isNull(messages.sendToken) : eq(messages.sendToken, input.token),
    now: input.now,
  });
}

/**
 * `recordMessageSent` for many messages (of one session or several), in ONE statement: each
 * `sending` row held by its `token` moves to `sent` with its own WhatsApp id (a sensitive
 * body forgotten). Returns the rows recorded (any order; a row missing lost to a newer owner or
 * moved on).
 */
export async function recordMessagesSent(
  db: Executor,
  sent: Array<{ messageId: string; waMessageId: string; token: number }>,
  now: Date,
): Promise<MessageRow[]> {
  if (sent.length === 0) return [];
  const ordered = [...sent].sort((a, b) => (a.messageId < b.messageId ? -1 : 1));
  // Array parameters: the same statement text for any batch size (its plan is reused).
  const result = await db.execute(sql`
    update messages m set
      status = 'sent',
      sent_at = ${now.toISOString()}::timestamptz,
      updated_at = now(),
      wa_message_id = v.wa_id,
      error_code = null,
      error_message = null,
      content = case when m.sensitive then null else m.content end
    from unnest(${sql.param(ordered.map((s) => s.messageId))}::text[],
      ${sql.param(ordered.map((s) => s.waMessageId))}::text[],
      ${sql.param(ordered.map((s) => s.token))}::bigint[]) as v(id, wa_id, token)
    where m.id = v.id and m.status = 'sending' and m.send_token = v.token
    returning m.*
  `);
  return (result as unknown as Array<Record<string, unknown>>).map(messageFromRaw);
}

/** One WhatsApp ack of a sent message, found by `(session_id, wa_message_id)`. */
export interface MessageAck {
  sessionId: string;
  waMessageId: string;
  status: "delivered" | "read" | "failed";
  at: Date;
  /** For a `read` that stands for a `delivered` too (acks merged): when it was delivered. */
  deliveredAt?: Date;
}

/** What an ack did: `found` false when no message has that WhatsApp id (yet). */
export interface MessageAckOutcome {
  found: boolean;
  /** The row when the ack moved it forward; null when it was already at or past it. */
  row: MessageRow | null;
  /** The status before (when found). */
  previousStatus: MessageStatus | null;
}

const ACK_ERROR_MESSAGE = "WhatsApp reported an error for this message";
const quoted = (statuses: MessageStatus[]) => statuses.map((status) => `'${status}'`).join(", ");
/** Forward only: an ack moves a message from any lower status (`failed`: from sending/sent). */
const ACK_MAY_MOVE = sql.raw(
  `(v.status = 'delivered' and m.status in (${quoted(statusesBefore("delivered"))}))` +
    ` or (v.status = 'read' and m.status in (${quoted(statusesBefore("read"))}))` +
    " or (v.status = 'failed' and m.status in ('sending', 'sent'))",
);

/**
 * Applies WhatsApp acks (`delivered`, `read`, or an error after the send) to sent messages in
 * ONE statement whatever their number, without reading first: each conditional update moves a
 * message only forward and stamps the times (`delivered_at` of a `read` that skipped it,
 * `sent_at` if missing; `failed`: `send_failed`). At most one ack per message per call (merge
 * a `delivered` + `read` into one `read` with `deliveredAt`). Outcomes in input order.
 */
export async function applyMessageAcks(
  db: Executor,
  acks: MessageAck[],
): Promise<MessageAckOutcome[]> {
  if (acks.length === 0) return [];
  const values = sql.join(
    acks.map(
      (ack, i) =>
        sql`(${i}::int, ${ack.sessionId}::text, ${ack.waMessageId}::text, ${ack.status}::text, ${ack.at.toISOString()}::timestamptz, ${(ack.deliveredAt ?? ack.at).toISOString()}::timestamptz)`,
    ),
    sql`, `,
  );
  const result = await db.execute(sql`
    with v (ord, session_id, wa_id, status, at, delivered_at) as (values ${values}),
    found as (
      select m.id, m.status, v.ord
      from messages m join v on m.session_id = v.session_id and m.wa_message_id = v.wa_id
      order by m.id
      for update of m
    ),
    moved as (
      update messages m set
        status = v.status,
        updated_at = now(),
        sent_at = case when v.status = 'failed' then m.sent_at else coalesce(m.sent_at, v.at) end,
        delivered_at = case when v.status = 'delivered' then v.at
          when v.status = 'read' then coalesce(m.delivered_at, v.delivered_at)
          else m.delivered_at end,
        read_at = case when v.status = 'read' then v.at else m.read_at end,
        failed_at = case when v.status = 'failed' then v.at else m.failed_at end,
        error_code = case when v.status = 'failed' then 'send_failed' else m.error_code end,
        error_message = case when v.status = 'failed' then ${ACK_ERROR_MESSAGE}::text
          else m.error_message end
      from v join found on found.ord = v.ord
      where m.id = found.id and (${ACK_MAY_MOVE})
      returning m.*, found.ord as ack_ord
    )
    select found.ord as found_ord, found.status as previous_status, moved.*
    from found left join moved on moved.ack_ord = found.ord
  `);
  const outcomes: MessageAckOutcome[] = acks.map(() => ({
    found: false,
    row: null,
    previousStatus: null,
  }));
  for (const raw of result as unknown as Array<Record<string, unknown>>) {
    const outcome = outcomes[Number(raw.found_ord)];
    if (!outcome) continue;
    outcome.found = true;
    outcome.previousStatus = raw.previous_status as MessageStatus;
    if (raw.ack_ord !== null && raw.ack_ord !== undefined) outcome.row = messageFromRaw(raw);
  }
  return outcomes;
}

/** Applies one ack (see `applyMessageAcks`). */
export async function applyMessageAck(db: Executor, ack: MessageAck): Promise<MessageAckOutcome> {
  const [outcome] = await applyMessageAcks(db, [ack]);
  return outcome!;
}

/** A `messages` row from raw SQL (column names, driver values) in Drizzle's shape. */
function messageFromRaw(raw: Record<string, unknown>): MessageRow {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(MESSAGE_COLUMNS)) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as MessageRow;
}

/** Puts back the attempt counted by the claim of a try WhatsApp refused for rate limiting. */
export async function restoreAttempts(db: Executor, claimed: MessageRow): Promise<void> {
  await db
    .update(messages)
    .set({ attempts: sql`greatest(${messages.attempts} - 1, 0)` })
    .where(and(eq(messages.id, claimed.id), eq(messages.attempts, claimed.attempts)));
}

/** A sensitive body (an OTP) is kept only until WhatsApp has it or the send has failed. */
const forgetSecret = (row: MessageRow) => (row.sensitive ? { content: null } : {});

export interface EndUnsentDeps {
  db: Executor;
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
}

export interface EndUnsentInput {
  to: "failed" | "cancelled";
  /** The statuses it may end from. */
  from: MessageStatus[];
  /** `error_code` / `error_message` of a failure. */
  error?: { code: string; message: string };
  /** Clears the idempotency key too (a failed accept frees its key for a retry). */
  releaseIdempotencyKey?: boolean;
  /** Forgets a sensitive body too (the worker's failures, as once sent). */
  forgetSecret?: boolean;
  /** Extra guard (the sender's fencing token, the session still being gone). */
  where?: SQL | undefined;
  now: Date;
  /** Announces the change; called once, only when this call made it. */
  announce: (row: MessageRow) => Promise<unknown>;
}

/**
 * Ends a message that was not sent (`failed` or `cancelled`): one conditional UPDATE that
 * also stamps `quota_refunded_at` and only matches a row whose unit was not given back yet,
 * so of any number of racing callers (cancel, reconcile, a worker failure, a failed
 * enqueue) exactly one wins, refunds the quota unit and announces the change. Returns the
 * ended row, or null when another caller ended or moved it first.
 */
export async function endUnsent(
  deps: EndUnsentDeps,
  row: MessageRow,
  input: EndUnsentInput,
): Promise<MessageRow | null> {
  const counted = row.quotaDay !== null;
  const ended = await transitionMessage(deps.db, row.id, input.to, {
    from: input.from,
    set: {
      ...(input.error ? { errorCode: input.error.code, errorMessage: input.error.message } : {}),
      ...(counted ? { quotaRefundedAt: input.now } : {}),
      ...(input.releaseIdempotencyKey ? { idempotencyKey: null } : {}),
      ...(input.forgetSecret ? forgetSecret(row) : {}),
    },
    where: and(isNull(messages.quotaRefundedAt), input.where),
    now: input.now,
  });
  if (!ended) return null;
  if (ended.quotaDay !== null && counted) {
    await refundQuota(deps.redis, deps.redisPrefix, {
      userId: ended.userId,
      mode: ended.mode,
      day: ended.quotaDay,
    }).catch((error) =>
      deps.logger.error({ err: error, messageId: ended.id }, "quota refund failed"),
    );
  }
  await input.announce(ended);
  return ended;
}

/**
 * `endUnsent` for many messages at once (a broadcast cancelled, a recipient opted out): one
 * conditional UPDATE of every row matching `match` still in `from` whose unit was not given
 * back, which stamps `quota_refunded_at`; the units are returned per (account, mode, day) in
 * one call each, and `announce` gets the ended rows (once: only this call ended them).
 */
export async function endUnsentMany(
  deps: EndUnsentDeps,
  match: SQL,
  input: Omit<EndUnsentInput, "announce" | "where" | "forgetSecret"> & {
    announce: (rows: MessageRow[]) => Promise<unknown>;
  },
): Promise<MessageRow[]> {
  const stamp = input.to === "failed" ? { failedAt: input.now } : { cancelledAt: input.now };
  const ended = await deps.db
    .update(messages)
    .set({
      status: input.to,
      ...stamp,
      ...(input.error ? { errorCode: input.error.code, errorMessage: input.error.message } : {}),
      quotaRefundedAt: sql`case when ${messages.quotaDay} is null then null else ${input.now.toISOString()}::timestamptz end`,
      ...(input.releaseIdempotencyKey ? { idempotencyKey: null } : {}),
    })
    .where(
      and(
        match,
        inArray(messages.status, input.from),
        isNull(messages.quotaRefundedAt),
        eq(messages.direction, "outbound"),
      ),
    )
    .returning();
  const units = new Map<
    string,
    { userId: string; mode: MessageRow["mode"]; day: string; n: number }
  >();
  for (const row of ended) {
    if (row.quotaDay === null) continue;
    const key = `${row.userId}|${row.mode}|${row.quotaDay}`;
    const entry = units.get(key) ?? { userId: row.userId, mode: row.mode, day: row.quotaDay, n: 0 };
    entry.n += 1;
    units.set(key, entry);
  }
  for (const unit of units.values()) {
    await releaseQuotaUnits(deps.redis, deps.redisPrefix, { ...unit, units: unit.n }).catch(
      (error) => deps.logger.error({ err: error, units: unit.n }, "quota refund failed"),
    );
  }
  if (ended.length > 0) await input.announce(ended);
  return ended;
}

/**
 * Cancels every unsent (`queued`/`scheduled`) message of a broadcast in one statement, inside
 * the caller's transaction (the broadcast's own cancel), stamping `quota_refunded_at` on
 * those that hold a unit; answers how many units to give back per quota day (the caller
 * releases them after its commit, so exactly once) without returning the rows themselves (a
 * 100 000-message cancel). Their `message.status` events are the caller's to arrange.
 */
export async function cancelBroadcastMessages(
  db: Executor,
  broadcastId: string,
  now: Date,
): Promise<Array<{ quotaDay: string | null; units: number }>> {
  const at = now.toISOString();
  const rows = await db.execute<{ quota_day: string | null; n: number }>(sql`
    with ended as (
      update messages set status = 'cancelled', cancelled_at = ${at}::timestamptz,
        updated_at = ${at}::timestamptz,
        quota_refunded_at = case when quota_day is null then null else ${at}::timestamptz end
      where broadcast_id = ${broadcastId} and status in ('queued', 'scheduled')
        and quota_refunded_at is null and direction = 'outbound'
      returning quota_day)
    select quota_day::text as quota_day, count(*)::int as n from ended group by quota_day`);
  return [...rows].map((r) => ({ quotaDay: r.quota_day, units: Number(r.n) }));
}
