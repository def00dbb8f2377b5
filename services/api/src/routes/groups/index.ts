import { createRoute, z } from "@hono/zod-openapi";
import {
  changeParticipants,
  createGroup,
  getGroup,
  leaveGroup,
  listGroups,
  updateGroup,
} from "../../domain/groups/groups.js";
import { API_KEY_SECURITY, createRouter, pickErrors } from "../../lib/openapi.js";
import { requireAccount } from "../../middleware/account-auth.js";
import { requestedSession, sessionQuery } from "../sessions/schema.js";

const phone = z.string().min(1).max(40).openapi({ example: "+213661234567" });

const groupSchema = z
  .object({
    id: z.string().openapi({ example: "120363012345678901@g.us" }),
    subject: z.string(),
    description: z.string().nullable(),
    owner: z.string().nullable(),
    participants: z.array(
      z.object({
        phone: z.string().nullable(),
        lid: z.string().nullable(),
        is_admin: z.boolean(),
        is_super_admin: z.boolean(),
      }),
    ),
    invite_code: z.string().nullable(),
    created_at: z.string().nullable(),
  })
  .openapi("Group");

const groupParam = z.object({
  id: z.string().openapi({
    param: { name: "id", in: "path" },
    example: "120363012345678901@g.us",
    description: "The group id `…@g.us`",
  }),
});

const NOTE =
  "Done live by the session's worker (`?session=`, default `default`): the session must be `ready` (else 409 `details.reason: session_not_ready`); no worker answering → 503 `Retry-After`; a driver without groups → 409 `details.reason: unsupported`; WhatsApp refusing → 409 `details.reason: whatsapp_refused`.";
const GROUP_404 = "A group this session is not in answers 404 `not_found`.";

const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const body = <T extends z.ZodTypeAny>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

const listRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["Groups"],
  summary: "List the session's groups",
  description: `Scope \`messages:read\`. Every group the session's WhatsApp account is in (\`invite_code\` is null here: get one group for it). ${NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: { query: sessionQuery },
  responses: {
    200: json(z.object({ data: z.array(groupSchema) }).openapi("GroupList"), "The groups"),
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

const createGroupRoute = createRoute({
  method: "post",
  path: "/",
  tags: ["Groups"],
  summary: "Create a group",
  description: `Scope \`messages:send\`. Creates a group with this session as its owner and admin; participants are phones in international form (numbers not on WhatsApp are left out by WhatsApp). ${NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: {
    query: sessionQuery,
    ...body(
      z
        .object({
          subject: z.string().trim().min(1).max(100),
          participants: z.array(phone).min(1).max(256),
        })
        .openapi("GroupCreate"),
    ),
  },
  responses: {
    201: json(groupSchema, "The group created"),
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["Groups"],
  summary: "Get a group",
  description: `Scope \`messages:read\`. Subject, description, participants with admin flags, and the invite code (null when this session is not an admin). ${GROUP_404} ${NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:read")] as const,
  request: { params: groupParam, query: sessionQuery },
  responses: {
    200: json(groupSchema, "The group"),
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

const participantsRoute = createRoute({
  method: "post",
  path: "/{id}/participants",
  tags: ["Groups"],
  summary: "Add, remove, promote or demote participants",
  description: `Scope \`messages:send\`. Exactly one of \`add\`, \`remove\`, \`promote\` (make admin), \`demote\` per request, each a list of phones; answers the group afterwards. People already in the state asked are left as they are. ${GROUP_404} ${NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: {
    params: groupParam,
    query: sessionQuery,
    ...body(
      z
        .object({
          add: z.array(phone).min(1).max(256).optional(),
          remove: z.array(phone).min(1).max(256).optional(),
          promote: z.array(phone).min(1).max(256).optional(),
          demote: z.array(phone).min(1).max(256).optional(),
        })
        .openapi("GroupParticipantsChange"),
    ),
  },
  responses: {
    200: json(groupSchema, "The group after the change"),
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

const updateRoute = createRoute({
  method: "patch",
  path: "/{id}",
  tags: ["Groups"],
  summary: "Change a group's subject or description",
  description: `Scope \`messages:send\`. An empty description clears it. ${GROUP_404} ${NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: {
    params: groupParam,
    query: sessionQuery,
    ...body(
      z
        .object({
          subject: z.string().trim().min(1).max(100).optional(),
          description: z.string().max(2048).optional(),
        })
        .openapi("GroupUpdate"),
    ),
  },
  responses: {
    200: json(groupSchema, "The group after the change"),
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

const leaveRoute = createRoute({
  method: "post",
  path: "/{id}/leave",
  tags: ["Groups"],
  summary: "Leave a group",
  description: `Scope \`messages:send\`. ${GROUP_404} ${NOTE}`,
  security: API_KEY_SECURITY,
  middleware: [requireAccount("messages:send")] as const,
  request: { params: groupParam, query: sessionQuery },
  responses: {
    200: json(z.object({ id: z.string(), left: z.boolean() }), "Left"),
    ...pickErrors(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

/** `/api/v1/groups/*` (issue 12): the session's WhatsApp groups, through the owning worker. */
export function groupsRouter() {
  const router = createRouter();
  router.openapi(listRoute, async (c) => {
    const session = requestedSession(c.req.valid("query"));
    return c.json(await listGroups(c.get("deps"), c.get("account"), session), 200);
  });
  router.openapi(createGroupRoute, async (c) => {
    const session = requestedSession(c.req.valid("query"));
    const group = await createGroup(c.get("deps"), c.get("account"), session, c.req.valid("json"));
    return c.json(group, 201);
  });
  router.openapi(getRoute, async (c) => {
    const session = requestedSession(c.req.valid("query"));
    const group = await getGroup(c.get("deps"), c.get("account"), session, c.req.valid("param").id);
    return c.json(group, 200);
  });
  router.openapi(participantsRoute, async (c) => {
    const session = requestedSession(c.req.valid("query"));
    const group = await changeParticipants(
      c.get("deps"),
      c.get("account"),
      session,
      c.req.valid("param").id,
      c.req.valid("json"),
    );
    return c.json(group, 200);
  });
  router.openapi(updateRoute, async (c) => {
    const session = requestedSession(c.req.valid("query"));
    const group = await updateGroup(
      c.get("deps"),
      c.get("account"),
      session,
      c.req.valid("param").id,
      c.req.valid("json"),
    );
    return c.json(group, 200);
  });
  router.openapi(leaveRoute, async (c) => {
    const session = requestedSession(c.req.valid("query"));
    const left = await leaveGroup(
      c.get("deps"),
      c.get("account"),
      session,
      c.req.valid("param").id,
    );
    return c.json(left, 200);
  });
  return router;
}
