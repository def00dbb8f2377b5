import type { AdminRole } from "@wagate/contracts";
import { seedAdmin, type TestApp } from "../../../test/harness.js";
import { signAccessToken } from "../../domain/auth/tokens.js";

/** Seeds an admin of `role` and mints its access token directly (no login round trip). */
export async function bearer(t: TestApp, role: AdminRole = "viewer") {
  const admin = await seedAdmin(t, role);
  const { token } = await signAccessToken(t.deps, { id: admin.id, email: admin.email, role });
  return { admin, headers: { authorization: `Bearer ${token}` } };
}

/** GETs `path` with `headers` and returns status and parsed JSON body. */
export interface ListBody {
  data: Array<Record<string, unknown>>;
  next_cursor: string | null;
}

export async function getJson<T = ListBody>(
  t: TestApp,
  path: string,
  headers: Record<string, string>,
) {
  const res = await t.app.request(path, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

/** Follows `next_cursor` from `path` with `limit` until the end; returns every row's `key`. */
export async function collectPages(
  t: TestApp,
  path: string,
  headers: Record<string, string>,
  key = "id",
) {
  const seen: unknown[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res: { status: number; body: ListBody } = await getJson(
      t,
      `${path}${cursor ? `${sep}cursor=${cursor}` : ""}`,
      headers,
    );
    if (res.status !== 200) throw new Error(`page ${pages}: ${res.status}`);
    seen.push(...res.body.data.map((row) => row[key]));
    cursor = res.body.next_cursor;
    pages++;
  } while (cursor && pages < 50);
  return { seen, pages };
}
