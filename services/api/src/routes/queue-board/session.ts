import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { setCookie } from "hono/cookie";
import { signQueueBoardToken } from "../../domain/auth/tokens.js";
import type { AppEnv } from "../../lib/context.js";
import { ADMIN_SECURITY, pickErrors } from "../../lib/openapi.js";
import { requireAdmin } from "../../middleware/admin-auth.js";
import { QUEUE_BOARD_PATH } from "./board.js";
import { QUEUE_BOARD_COOKIE } from "./guard.js";

const route = createRoute({
  method: "post",
  path: "/session",
  tags: ["Admins"],
  summary: "Open the queue board",
  description: `Sets a short-lived HttpOnly, SameSite=Strict cookie scoped to \`${QUEUE_BOARD_PATH}\` that lets this browser open the queue board (Bull Board) there. Every admin role may look; only owner and admin may act on jobs.`,
  security: ADMIN_SECURITY,
  middleware: [requireAdmin()] as const,
  responses: {
    204: { description: "Cookie set; open the board within its lifetime (15 minutes at most)" },
    ...pickErrors(401),
  },
});

export function registerQueueBoardSession(router: OpenAPIHono<AppEnv>) {
  router.openapi(route, async (c) => {
    const deps = c.get("deps");
    const { token, expiresIn } = await signQueueBoardToken(deps, c.get("admin"));
    setCookie(c, QUEUE_BOARD_COOKIE, token, {
      path: QUEUE_BOARD_PATH,
      httpOnly: true,
      sameSite: "Strict",
      secure: deps.env.PUBLIC_URL?.startsWith("https:") ?? false,
      maxAge: expiresIn,
    });
    c.header("Cache-Control", "no-store");
    return c.body(null, 204);
  });
}
