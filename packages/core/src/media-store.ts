import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Database, storedMedia } from "@wagate/db";
import { eq } from "drizzle-orm";

/** What is kept beside stored bytes. */
export interface StoredMediaMeta {
  mimeType: string;
  filename: string | null;
}

export interface StoredMediaObject extends StoredMediaMeta {
  data: Buffer;
  size: number;
}

/**
 * Where media bytes live (issue 12, inbound media): Postgres (`stored_media`, bytea) or a
 * directory, chosen by `MEDIA_STORAGE` in the API and the worker alike. Keys are message ids.
 */
export interface MediaStore {
  readonly kind: "postgres" | "dir";
  put(key: string, data: Buffer, meta: StoredMediaMeta): Promise<void>;
  /** Null when nothing is stored under `key`. */
  get(key: string): Promise<StoredMediaObject | null>;
  delete(key: string): Promise<void>;
}

export const MEDIA_STORAGE_KINDS = ["postgres", "dir"] as const;
export type MediaStorageKind = (typeof MEDIA_STORAGE_KINDS)[number];

/** Keys are our own ids (`msg_…`); anything else is refused so a key never walks a path. */
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
function checkKey(key: string): string {
  if (!KEY_PATTERN.test(key)) throw new Error(`invalid media key ${JSON.stringify(key)}`);
  return key;
}

export function postgresMediaStore(db: Database): MediaStore {
  return {
    kind: "postgres",
    async put(key, data, meta) {
      const values = {
        key: checkKey(key),
        mimeType: meta.mimeType,
        filename: meta.filename,
        size: data.length,
        data,
      };
      await db
        .insert(storedMedia)
        .values(values)
        .onConflictDoUpdate({ target: storedMedia.key, set: values });
    },
    async get(key) {
      const [row] = await db
        .select()
        .from(storedMedia)
        .where(eq(storedMedia.key, checkKey(key)))
        .limit(1);
      return row
        ? { data: row.data, size: row.size, mimeType: row.mimeType, filename: row.filename }
        : null;
    },
    async delete(key) {
      await db.delete(storedMedia).where(eq(storedMedia.key, checkKey(key)));
    },
  };
}

/**
 * One file per key (`<key>`) and its metadata (`<key>.json`) under `dir`. Writes go to a
 * temporary name first and are renamed into place, so a reader never sees half a file; the
 * bytes are written before the metadata, which is what `get` looks for.
 */
export function directoryMediaStore(dir: string): MediaStore {
  const root = resolve(dir);
  const path = (key: string) => join(root, checkKey(key));
  return {
    kind: "dir",
    async put(key, data, meta) {
      await mkdir(root, { recursive: true });
      const file = path(key);
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, data);
      await rename(tmp, file);
      const info = JSON.stringify({ mimeType: meta.mimeType, filename: meta.filename });
      await writeFile(`${tmp}.json`, info);
      await rename(`${tmp}.json`, `${file}.json`);
    },
    async get(key) {
      const file = path(key);
      let meta: StoredMediaMeta;
      try {
        meta = JSON.parse(await readFile(`${file}.json`, "utf8")) as StoredMediaMeta;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
      try {
        const data = await readFile(file);
        return { data, size: data.length, mimeType: meta.mimeType, filename: meta.filename };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async delete(key) {
      const file = path(key);
      await rm(`${file}.json`, { force: true });
      await rm(file, { force: true });
    },
  };
}

/** The store `MEDIA_STORAGE` / `MEDIA_STORAGE_DIR` select (default Postgres, `.data/media`). */
export function createMediaStore(
  db: Database,
  env: { MEDIA_STORAGE?: string | undefined; MEDIA_STORAGE_DIR?: string | undefined } = process.env,
): MediaStore {
  const kind = env.MEDIA_STORAGE ?? "postgres";
  if (kind === "dir") return directoryMediaStore(env.MEDIA_STORAGE_DIR || ".data/media");
  if (kind !== "postgres") {
    throw new Error(`MEDIA_STORAGE must be one of ${MEDIA_STORAGE_KINDS.join(", ")}`);
  }
  return postgresMediaStore(db);
}

/** The path the API serves a message's stored media at. */
export const messageMediaPath = (messageId: string) => `/api/v1/messages/${messageId}/media`;
