import { createHash, randomBytes } from "node:crypto";
import { type Executor, newId, refreshTokens } from "@wagate/db";
import { and, eq, isNull } from "drizzle-orm";
import type { AppDeps } from "../../lib/context.js";

/** Opaque refresh token: 32 random bytes; only its SHA-256 is stored. */
export const hashRefreshToken = (raw: string) => createHash("sha256").update(raw).digest("hex");

const newRawToken = () => `wrt_${randomBytes(32).toString("base64url")}`;

export interface IssuedRefreshToken {
  id: string;
  raw: string;
  familyId: string;
  expiresAt: Date;
}

/** Inserts a new refresh token (a new family unless `familyId` continues one). */
export async function issueRefreshToken(
  executor: Executor,
  deps: Pick<AppDeps, "env" | "now">,
  input: { adminId: string; familyId?: string; ip: string | null; userAgent: string | null },
): Promise<IssuedRefreshToken> {
  const raw = newRawToken();
  const id = newId("refreshToken");
  const familyId = input.familyId ?? id;
  const expiresAt = new Date(deps.now().getTime() + deps.env.REFRESH_TOKEN_TTL_SECONDS * 1000);
  await executor.insert(refreshTokens).values({
    id,
    adminId: input.adminId,
    familyId,
    tokenHash: hashRefreshToken(raw),
    expiresAt,
    ip: input.ip,
    userAgent: input.userAgent,
  });
  return { id, raw, familyId, expiresAt };
}

export type RotateResult =
  | { ok: true; adminId: string; token: IssuedRefreshToken }
  | { ok: false; reason: "unknown" | "expired" | "revoked" | "reuse_detected"; adminId?: string };

/**
 * Rotates a refresh token: the presented one is revoked with `replaced_by_id` pointing at its
 * successor. Presenting a token that was already rotated means it leaked (or a client
 * replayed it): the whole family is revoked, so the thief's and the owner's tokens both stop.
 * The row is locked, so two concurrent rotations of one token cannot both succeed.
 */
export async function rotateRefreshToken(
  deps: Pick<AppDeps, "db" | "env" | "now">,
  raw: string,
  meta: { ip: string | null; userAgent: string | null },
  canUse: (adminId: string, executor: Executor) => Promise<boolean>,
): Promise<RotateResult> {
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(raw)))
      .for("update");
    if (!row) return { ok: false, reason: "unknown" } as const;
    if (row.revokedAt) {
      if (row.replacedById) {
        await revokeFamily(tx, row.familyId, now, "reuse_detected");
        return { ok: false, reason: "reuse_detected", adminId: row.adminId } as const;
      }
      return { ok: false, reason: "revoked", adminId: row.adminId } as const;
    }
    if (row.expiresAt.getTime() <= now.getTime()) {
      return { ok: false, reason: "expired", adminId: row.adminId } as const;
    }
    if (!(await canUse(row.adminId, tx))) {
      await revokeFamily(tx, row.familyId, now, "admin_unavailable");
      return { ok: false, reason: "revoked", adminId: row.adminId } as const;
    }
    const token = await issueRefreshToken(tx, deps, {
      adminId: row.adminId,
      familyId: row.familyId,
      ...meta,
    });
    await tx
      .update(refreshTokens)
      .set({ revokedAt: now, revokedReason: "rotated", replacedById: token.id })
      .where(eq(refreshTokens.id, row.id));
    return { ok: true, adminId: row.adminId, token } as const;
  });
}

export async function revokeFamily(
  executor: Executor,
  familyId: string,
  now: Date,
  reason: string,
): Promise<void> {
  await executor
    .update(refreshTokens)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

/** Logout: the token's family stops working. Unknown or already revoked tokens are a no-op. */
export async function revokeRefreshToken(
  deps: Pick<AppDeps, "db" | "now">,
  raw: string,
): Promise<{ adminId: string } | null> {
  const [row] = await deps.db
    .select({ familyId: refreshTokens.familyId, adminId: refreshTokens.adminId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, hashRefreshToken(raw)));
  if (!row) return null;
  await revokeFamily(deps.db, row.familyId, deps.now(), "logout");
  return { adminId: row.adminId };
}

/** Revokes every live refresh token of an admin (password change, deactivation, deletion). */
export async function revokeAdminRefreshTokens(
  executor: Executor,
  adminId: string,
  now: Date,
  reason: string,
): Promise<void> {
  await executor
    .update(refreshTokens)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(refreshTokens.adminId, adminId), isNull(refreshTokens.revokedAt)));
}
