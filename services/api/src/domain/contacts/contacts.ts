import type { NumberCheck } from "@wagate/contracts";
import { contacts, newId } from "@wagate/db";
import { and, desc, eq, gt, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { AccountPrincipal, AppDeps } from "../../lib/context.js";
import { ApiError, notFound, validationFailed } from "../../lib/errors.js";
import { isGroupJid } from "../messages/rich.js";
import { normalizePhone } from "../phone/normalize.js";
import { runDriverOp } from "../sessions/driver-op.js";
import { findSession, requireSession } from "../sessions/find.js";

export type ContactRow = typeof contacts.$inferSelect;
type Account = Pick<AccountPrincipal, "userId" | "mode">;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The contact object of `GET /contacts` and `/contacts/{phone}`. */
export const toContactWire = (row: ContactRow) => ({
  id: row.id,
  phone: row.phone,
  lid: row.lid,
  wa_id: row.waId,
  push_name: row.pushName,
  on_whatsapp: row.onWhatsapp,
  checked_at: iso(row.checkedAt),
  last_inbound_at: iso(row.lastInboundAt),
  last_outbound_at: iso(row.lastOutboundAt),
  about: row.about,
  profile_picture_url: row.profilePictureUrl,
  profile_checked_at: iso(row.profileCheckedAt),
  created_at: row.createdAt.toISOString(),
});

/** The answer of a number check, per phone. */
export const toCheckWire = (row: ContactRow, cached: boolean) => ({
  phone: row.phone ?? "",
  on_whatsapp: row.onWhatsapp ?? false,
  wa_id: row.waId,
  lid: row.lid,
  checked_at: iso(row.checkedAt),
  cached,
});

/** Phones in E.164 (each must be valid; 422 naming its index), deduplicated. */
export function normalizePhones(phones: string[], path: string): string[] {
  const out: string[] = [];
  phones.forEach((value, i) => {
    const normalized = normalizePhone(value);
    if (!normalized.ok) {
      const field = phones.length === 1 ? path : `${path}.${i}`;
      throw validationFailed(`${field} ${normalized.reason}`, {
        fields: [{ path: field, message: normalized.reason }],
      });
    }
    if (!out.includes(normalized.e164)) out.push(normalized.e164);
  });
  return out;
}

const freshSince = (deps: AppDeps) =>
  new Date(deps.now().getTime() - deps.env.CONTACT_CHECK_TTL_SECONDS * 1000);

async function cachedChecks(deps: AppDeps, account: Account, phones: string[]) {
  if (phones.length === 0) return [];
  return deps.db
    .select()
    .from(contacts)
    .where(
      and(
        eq(contacts.userId, account.userId),
        eq(contacts.mode, account.mode),
        inArray(contacts.phone, phones),
        gt(contacts.checkedAt, freshSince(deps)),
      ),
    );
}

/** Records (or refreshes) what a check answered, one row per account, mode and phone. */
async function storeChecks(deps: AppDeps, account: Account, numbers: NumberCheck[]) {
  const now = deps.now();
  const rows: ContactRow[] = [];
  for (const n of numbers) {
    const [row] = await deps.db
      .insert(contacts)
      .values({
        id: newId("contact", now.getTime()),
        userId: account.userId,
        mode: account.mode,
        phone: n.phone,
        lid: n.lid,
        waId: n.waId,
        onWhatsapp: n.onWhatsApp,
        checkedAt: now,
      })
      .onConflictDoUpdate({
        target: [contacts.userId, contacts.mode, contacts.phone],
        targetWhere: sql`phone is not null`,
        set: {
          onWhatsapp: n.onWhatsApp,
          checkedAt: now,
          waId: sql`coalesce(excluded.wa_id, ${contacts.waId})`,
          lid: sql`coalesce(excluded.lid, ${contacts.lid})`,
          updatedAt: now,
        },
      })
      .returning();
    if (row) rows.push(row);
  }
  return rows;
}

/**
 * Whether each phone has WhatsApp (`GET /contacts/check`): answers within
 * `CONTACT_CHECK_TTL_SECONDS` come from the `contacts` table; the rest are asked of the
 * session's driver on its owning worker (`check_numbers`) and stored. Order follows the input.
 */
export async function checkNumbers(
  deps: AppDeps,
  account: Account,
  sessionName: string,
  phones: string[],
) {
  const cached = await cachedChecks(deps, account, phones);
  const byPhone = new Map(cached.map((row) => [row.phone, { row, cached: true }]));
  const missing = phones.filter((p) => !byPhone.has(p));
  if (missing.length > 0) {
    const session = await requireSession(deps.db, account, sessionName);
    const result = await runDriverOp(deps, session, { op: "check_numbers", phones: missing });
    const numbers = (result.numbers ?? []).filter((n) => missing.includes(n.phone));
    if (numbers.length !== missing.length) {
      throw new ApiError("service_unavailable", "the worker answered for some numbers only", {
        headers: { "Retry-After": "5" },
      });
    }
    for (const row of await storeChecks(deps, account, numbers)) {
      byPhone.set(row.phone, { row, cached: false });
    }
    forgetFacts(deps, account);
  }
  return phones.map((p) => {
    const found = byPhone.get(p)!;
    return toCheckWire(found.row, found.cached);
  });
}

/** How long a replica keeps an account's recipient facts before reading them again. */
const FACTS_TTL_MS = 10_000;
/** Most rows read per account (numbers found not on WhatsApp first, then known LIDs). */
const FACTS_MAX_ROWS = 50_000;

interface AccountFacts {
  at: number;
  notOnWhatsapp: Set<string>;
  lids: Map<string, string>;
}
const factsCache = new WeakMap<AppDeps["db"], Map<string, Promise<AccountFacts>>>();

/** Drops this replica's cached facts of an account (after a check stored new answers). */
function forgetFacts(deps: AppDeps, account: Account) {
  factsCache.get(deps.db)?.delete(`${account.userId}|${account.mode}`);
}

/**
 * What this replica knows of an account's recipients, read at most every 10 s with one
 * query (not one per send: the accept path keeps its cost): numbers a fresh check found not
 * on WhatsApp, and known LIDs by phone.
 */
function accountFacts(deps: AppDeps, account: Account): Promise<AccountFacts> {
  let byAccount = factsCache.get(deps.db);
  if (!byAccount) {
    byAccount = new Map();
    factsCache.set(deps.db, byAccount);
  }
  const key = `${account.userId}|${account.mode}`;
  const cached = byAccount.get(key);
  const now = Date.now();
  if (cached) {
    const settled = cached.then((f) => (now - f.at < FACTS_TTL_MS ? f : null));
    return settled.then((f) => f ?? reload());
  }
  return reload();

  function reload(): Promise<AccountFacts> {
    const load = (async () => {
      const rows = await deps.db
        .select({ phone: contacts.phone, lid: contacts.lid, on: contacts.onWhatsapp })
        .from(contacts)
        .where(
          and(
            eq(contacts.userId, account.userId),
            eq(contacts.mode, account.mode),
            isNotNull(contacts.phone),
            sql`((${contacts.onWhatsapp} = false and ${contacts.checkedAt} > ${freshSince(deps).toISOString()}::timestamptz) or ${contacts.lid} is not null)`,
          ),
        )
        .orderBy(sql`${contacts.onWhatsapp} nulls last`)
        .limit(FACTS_MAX_ROWS);
      const facts: AccountFacts = { at: Date.now(), notOnWhatsapp: new Set(), lids: new Map() };
      for (const row of rows) {
        if (!row.phone) continue;
        if (row.on === false) facts.notOnWhatsapp.add(row.phone);
        if (row.lid) facts.lids.set(row.phone, row.lid);
      }
      return facts;
    })();
    byAccount!.set(key, load);
    load.catch(() => byAccount!.delete(key));
    return load;
  }
}

/**
 * What the account knows about a recipient before a send: its LID (for the send answer),
 * and whether a fresh check found it not on WhatsApp (the send is refused at once).
 */
export async function recipientFacts(deps: AppDeps, account: Account, to: string) {
  if (isGroupJid(to)) return { lid: null, notOnWhatsapp: false };
  const normalized = normalizePhone(to);
  if (!normalized.ok) return { lid: null, notOnWhatsapp: false };
  const facts = await accountFacts(deps, account);
  return {
    lid: facts.lids.get(normalized.e164) ?? null,
    notOnWhatsapp: facts.notOnWhatsapp.has(normalized.e164),
    phone: normalized.e164,
  };
}

/** Refuses a send to a number a fresh check found not on WhatsApp (422 `not_on_whatsapp`). */
export async function refuseKnownNotOnWhatsapp(deps: AppDeps, account: Account, to: string) {
  const facts = await recipientFacts(deps, account, to);
  if (facts.notOnWhatsapp) {
    throw new ApiError(
      "not_on_whatsapp",
      `${facts.phone} is not on WhatsApp (checked within CONTACT_CHECK_TTL_SECONDS); nothing was sent`,
      { details: { fields: [{ path: "to", message: "is not on WhatsApp" }] } },
    );
  }
  return facts;
}

/** The account's contacts in the key's mode, newest first (keyset on id). */
export async function listContacts(
  deps: AppDeps,
  account: Account,
  options: { limit: number; before?: string | undefined; hasPhone?: boolean },
) {
  const where = [eq(contacts.userId, account.userId), eq(contacts.mode, account.mode)];
  if (options.before) where.push(lt(contacts.id, options.before));
  if (options.hasPhone) where.push(isNotNull(contacts.phone));
  return deps.db
    .select()
    .from(contacts)
    .where(and(...where))
    .orderBy(desc(contacts.id))
    .limit(options.limit + 1);
}

/** One contact by phone (any written form) or LID; 404 when the account has none. */
export async function getContact(deps: AppDeps, account: Account, key: string) {
  const byLid = key.endsWith("@lid");
  let phone: string | null = null;
  if (!byLid) {
    const normalized = normalizePhone(key);
    if (!normalized.ok) throw notFound("contact");
    phone = normalized.e164;
  }
  const [row] = await deps.db
    .select()
    .from(contacts)
    .where(
      and(
        eq(contacts.userId, account.userId),
        eq(contacts.mode, account.mode),
        byLid ? eq(contacts.lid, key) : eq(contacts.phone, phone!),
      ),
    )
    .orderBy(sql`${contacts.phone} is null`)
    .limit(1);
  if (!row) throw notFound("contact");
  return row;
}

/** How long `GET /contacts/{phone}` waits for the session's answer before it answers what is stored. */
export const PROFILE_WAIT_MS = 5_000;

/**
 * One contact with its profile (about, profile picture URL): the stored one while younger
 * than `CONTACT_PROFILE_TTL_SECONDS`, else asked of the session's driver (`profile`
 * driver op, at most `waitMs`) and stored on the row. When the session is missing or not
 * connected, no worker answers, or the driver cannot, the stored profile (possibly nulls)
 * is answered instead of an error: the profile is a nicety, the contact is what was asked.
 * A contact a check found not on WhatsApp is never asked about.
 */
export async function getContactWithProfile(
  deps: AppDeps,
  account: Account,
  key: string,
  sessionName: string,
  waitMs = PROFILE_WAIT_MS,
): Promise<ContactRow> {
  const row = await getContact(deps, account, key);
  const now = deps.now();
  const freshAfter = now.getTime() - deps.env.CONTACT_PROFILE_TTL_SECONDS * 1000;
  if (row.profileCheckedAt && row.profileCheckedAt.getTime() > freshAfter) return row;
  const chat = row.phone ?? row.lid;
  if (!chat || row.onWhatsapp === false) return row;
  const session = await findSession(deps.db, account, sessionName);
  if (session?.status !== "ready") return row;
  let profile: Awaited<ReturnType<typeof runDriverOp>>["profile"];
  try {
    profile = (await runDriverOp(deps, session, { op: "profile", chat }, waitMs)).profile;
  } catch (error) {
    if (error instanceof ApiError) return row;
    throw error;
  }
  if (!profile) return row;
  const [updated] = await deps.db
    .update(contacts)
    .set({
      about: profile.about,
      profilePictureUrl: profile.profilePictureUrl,
      profileCheckedAt: now,
      updatedAt: now,
    })
    .where(eq(contacts.id, row.id))
    .returning();
  return updated ?? row;
}
