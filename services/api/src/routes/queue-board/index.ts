import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../../lib/context.js";
import { createRouter } from "../../lib/openapi.js";
import { WRITE_ROLES } from "../../middleware/admin-auth.js";
import { createQueueBoard, QUEUE_BOARD_PATH, type QueueBoard } from "./board.js";
import { requireQueueBoardCookie } from "./guard.js";
import { registerQueueBoardSession } from "./session.js";

const boards = new WeakMap<AppDeps, Promise<QueueBoard>>();

/**
 * The queue board for operators: `POST /api/v1/admin/queue-board/session` (admin bearer)
 * sets the board cookie, and Bull Board answers under `/admin/queues` to that cookie only
 * (read-only for viewers).
 */
export function mountQueueBoard(app: OpenAPIHono<AppEnv>): void {
  const router = createRouter();
  registerQueueBoardSession(router);
  app.route("/api/v1/admin/queue-board", router);

  for (const path of [QUEUE_BOARD_PATH, `${QUEUE_BOARD_PATH}/*`]) {
    app.use(path, requireQueueBoardCookie());
    app.all(path, async (c) => {
      // The page's relative links (static/js/..., api/queues) need the trailing slash: the
      // CSP's `base-uri 'none'` refuses the <base href> Bull Board relies on.
      if (new URL(c.req.url).pathname === QUEUE_BOARD_PATH)
        return c.redirect(`${QUEUE_BOARD_PATH}/`, 302);
      const deps = c.get("deps");
      let pending = boards.get(deps);
      if (!pending) {
        pending = createQueueBoard(deps);
        boards.set(deps, pending);
        pending.catch(() => boards.delete(deps));
      }
      const board = await pending;
      await board.refresh();
      const readOnly = !WRITE_ROLES.includes(c.get("admin").role);
      return (readOnly ? board.readOnly : board.full).fetch(c.req.raw, c.env);
    });
  }
}
