import type { KeyMode } from "@wagate/contracts";
import { apiKeys, newId, pairingLinks, whatsappSessions } from "@wagate/db";
import { and, desc, eq, gt, isNull, or } from "drizzle-orm";
import type { AppDeps } from "../../lib/context.js";
import { ApiError, conflict } from "../../lib/errors.js";
import { type AuditActor, recordAdminAudit } from "../audit.js";
import { initSession } from "../sessions/control.js";
import { findSession, type SessionRow } from "../sessions/find.js";
import { getUser } from "../users/manage.js";
import { generatePairingToken, hashPairingToken, isPairingTokenShaped } from "./token.js";

export type PairingLinkRow = typeof pairingLinks.$inferSelect;

/** Lifetime of a link when the admin names none: 15 minutes. */
export const PAIRING_LINK_DEFAULT_TTL_SECONDS = 900;

/**
 * The mode a session made for an account runs in: the mode of its newest usable key (not
 * revoked, not expired), else `live`, so the session is the one that key will send through.
 */
export async function accountSessionMode(
  deps: Pick<AppDeps, "db">,
  userId: string,
  now: Date,
): Promise<KeyMode> {
  const [key] = await deps.db
    .select({ mode: apiKeys.mode })
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.userId, userId),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now)),
      ),
    )
    .orderBy(desc(apiKeys.id))
    .limit(1);
  return key?.mode ?? "live";
}

export interface CreatedPairingLink {
  link: PairingLinkRow;
  /** The raw token: goes into the URL answered once, never stored or logged. */
  token: string;
  session: SessionRow;
}

/**
 * Makes a single-use pairing link for the account's session `name` and starts that session
 * the way POST /sessions/init does (created if missing within `max_sessions`, else asked to
 * run). A session already `ready` is linked: 409 (disconnect it first to pair again).
 */
export async function createPairingLink(
  deps: AppDeps,
  actor: AuditActor,
  input: { userId: string; sessionName: string; expiresInSeconds: number },
): Promise<CreatedPairingLink> {
  const now = deps.now();
  const user = await getUser(deps.db, input.userId);
  if (!user.isActive) {
    throw conflict("the account is deactivated; activate it before pairing a session");
  }
  const mode = await accountSessionMode(deps, user.id, now);
  const principal = { userId: user.id, mode, maxSessions: user.maxSessions };
  const existing = await findSession(deps.db, principal, input.sessionName);
  if (existing?.status === "ready") {
    throw conflict(
      `session "${input.sessionName}" is already linked (ready); disconnect it before pairing again`,
      { status: existing.status },
    );
  }
  const session = await initSession(deps, principal, input.sessionName);
  const token = generatePairingToken();
  const expiresAt = new Date(now.getTime() + input.expiresInSeconds * 1000);
  const link = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(pairingLinks)
      .values({
        id: newId("pairingLink", now.getTime()),
        userId: user.id,
        sessionId: session.id,
        tokenHash: hashPairingToken(token),
        createdBy: actor.adminId,
        expiresAt,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new ApiError("internal", "pairing link insert returned nothing");
    await recordAdminAudit(tx, actor, {
      action: "pairing_link.create",
      targetType: "session",
      targetId: session.id,
      metadata: {
        pairing_link_id: row.id,
        user_id: user.id,
        session: session.name,
        mode: session.mode,
        expires_at: expiresAt.toISOString(),
      },
    });
    return row;
  });
  return { link, token, session };
}

const linkNotFound = () =>
  new ApiError("not_found", "pairing link not found, expired or already used; ask for a new one");

export interface OpenedPairingLink {
  link: PairingLinkRow;
  session: SessionRow;
}

/**
 * The link behind a raw token and its session, or 404 `not_found` when the token is unknown,
 * expired or already used. The first open that finds the session `ready` marks the link used
 * (and still answers, with `used_at` set): every later open is a 404.
 */
export async function openPairingLink(
  deps: Pick<AppDeps, "db" | "now">,
  token: string,
): Promise<OpenedPairingLink> {
  if (!isPairingTokenShaped(token)) throw linkNotFound();
  const now = deps.now();
  const [found] = await deps.db
    .select({ link: pairingLinks, session: whatsappSessions })
    .from(pairingLinks)
    .innerJoin(whatsappSessions, eq(whatsappSessions.id, pairingLinks.sessionId))
    .where(eq(pairingLinks.tokenHash, hashPairingToken(token)))
    .limit(1);
  if (!found || found.link.usedAt || found.link.expiresAt.getTime() <= now.getTime()) {
    throw linkNotFound();
  }
  if (found.session.status !== "ready") return found;
  const link = await markPairingLinkUsed(deps, found.link.id, now);
  // Another request marked it first: that one answered, this one is a later open.
  if (!link) throw linkNotFound();
  return { link, session: found.session };
}

/** Marks the link used unless it already is; the row, or null when it was already used. */
export async function markPairingLinkUsed(
  deps: Pick<AppDeps, "db">,
  linkId: string,
  now: Date,
): Promise<PairingLinkRow | null> {
  const [row] = await deps.db
    .update(pairingLinks)
    .set({ usedAt: now, updatedAt: now })
    .where(and(eq(pairingLinks.id, linkId), isNull(pairingLinks.usedAt)))
    .returning();
  return row ?? null;
}
