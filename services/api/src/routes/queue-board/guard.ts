import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { verifyQueueBoardToken } from "../../domain/auth/tokens.js";
import type { AppEnv } from "../../lib/context.js";
import { forbidden, unauthorized } from "../../lib/errors.js";
import { WRITE_ROLES } from "../../middleware/admin-auth.js";

/** The cookie that carries the board token (set by POST /api/v1/admin/queue-board/session). */
export const QUEUE_BOARD_COOKIE = "wagate_queue_board";

const READ_METHODS = new Set(["GET", "HEAD"]);

/**
 * Lets a request reach the board only with a valid board cookie (a token of its own `typ`
 * and audience: an access token, an API key or a forged cookie is refused with 401). Sets
 * `c.var.admin`. A viewer may only read: any other method answers 403.
 */
export const requireQueueBoardCookie = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const token = getCookie(c, QUEUE_BOARD_COOKIE);
    if (!token) {
      throw unauthorized(
        "open the queue board through POST /api/v1/admin/queue-board/session with an admin token",
      );
    }
    const admin = await verifyQueueBoardToken(c.get("deps"), token);
    if (!admin) throw unauthorized("invalid or expired queue board session");
    if (!READ_METHODS.has(c.req.method) && !WRITE_ROLES.includes(admin.role)) {
      throw forbidden("viewers may look at the queues but not act on them");
    }
    c.set("admin", admin);
    await next();
  });
