import { createRequire } from "node:module";
import { dirname } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { QUEUES, sendQueueName } from "@wagate/contracts";
import { whatsappSessions } from "@wagate/db";
import { Hono } from "hono";
import type { AppDeps } from "../../lib/context.js";
import { queueFor } from "../../lib/queues.js";

/** Where the board is served; its cookie is scoped to this path. */
export const QUEUE_BOARD_PATH = "/admin/queues";

/** How long the list of queues (one send queue per session) is reused before it is re-read. */
const QUEUE_LIST_TTL_MS = 10_000;

const FIXED_QUEUES = [QUEUES.webhooks, QUEUES.maintenance];

export interface QueueBoard {
  /** The board that may act on jobs (owner, admin). */
  full: Hono;
  /** The same board in Bull Board's read-only mode (viewer). */
  readOnly: Hono;
  /** Re-reads the queue list when it is older than QUEUE_LIST_TTL_MS. */
  refresh(): Promise<void>;
}

const uiBasePath = () =>
  dirname(createRequire(import.meta.url).resolve("@bull-board/ui/package.json"));

/**
 * Bull Board is loaded on the first visit, not at start-up: its modules cost the idle API
 * about 16 MiB of resident memory for a page operators rarely open.
 */
async function loadBullBoard() {
  const [{ createBullBoard }, { BullMQAdapter }, { HonoAdapter }] = await Promise.all([
    import("@bull-board/api"),
    import("@bull-board/api/bullMQAdapter"),
    import("@bull-board/hono"),
  ]);
  return { createBullBoard, BullMQAdapter, HonoAdapter };
}

function makeBoard(
  { createBullBoard, BullMQAdapter, HonoAdapter }: Awaited<ReturnType<typeof loadBullBoard>>,
  deps: AppDeps,
  readOnlyMode: boolean,
) {
  const adapters = (names: string[]) =>
    names.map((name) => new BullMQAdapter(queueFor(deps, name), { readOnlyMode }));
  const serverAdapter = new HonoAdapter(serveStatic).setBasePath(QUEUE_BOARD_PATH);
  const board = createBullBoard({
    queues: adapters(FIXED_QUEUES),
    serverAdapter,
    options: { uiBasePath: uiBasePath(), uiConfig: { boardTitle: "wagate queues" } },
  });
  // Not strict: the page is served at `/admin/queues/` (see index.ts) and Bull Board names
  // its entry route `/`.
  const app = new Hono({ strict: false }).route(QUEUE_BOARD_PATH, serverAdapter.registerPlugin());
  return { app, replace: (names: string[]) => board.replaceQueues(adapters(names)) };
}

/**
 * Bull Board over the API's BullMQ producers: the fixed queues plus one `send-<session>`
 * queue per session row, re-read at most every 10 s while someone looks.
 */
export async function createQueueBoard(deps: AppDeps): Promise<QueueBoard> {
  const bullBoard = await loadBullBoard();
  const full = makeBoard(bullBoard, deps, false);
  const readOnly = makeBoard(bullBoard, deps, true);
  let loadedAt = 0;
  let loading: Promise<void> | undefined;
  const load = async () => {
    const sessions = await deps.db.select({ id: whatsappSessions.id }).from(whatsappSessions);
    const names = [...FIXED_QUEUES, ...sessions.map((s) => sendQueueName(s.id))];
    full.replace(names);
    readOnly.replace(names);
    loadedAt = Date.now();
  };
  return {
    full: full.app,
    readOnly: readOnly.app,
    refresh() {
      if (Date.now() - loadedAt < QUEUE_LIST_TTL_MS) return Promise.resolve();
      loading ??= load().finally(() => {
        loading = undefined;
      });
      return loading;
    },
  };
}
