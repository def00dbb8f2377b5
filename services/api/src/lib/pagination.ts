import { ApiError } from "./errors.js";

/**
 * Cursors are opaque to clients: base64url of the last row's id. IDs are time-sortable and
 * unique, so `id < cursor ORDER BY id DESC` is a stable keyset page (newest first).
 */
export const encodeCursor = (id: string) => Buffer.from(id, "utf8").toString("base64url");

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^[a-z]{3}_[0-9A-Z]{26}$/.test(id)) {
    throw new ApiError("validation_failed", "invalid cursor", {
      details: { fields: [{ path: "cursor", message: "invalid cursor" }] },
      status: 400,
    });
  }
  return id;
}

/** Given `limit + 1` rows fetched, returns the page and the next cursor. */
export function page<T extends { id: string }>(rows: T[], limit: number) {
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  return { data, next_cursor: hasMore ? encodeCursor(data[data.length - 1]!.id) : null };
}
