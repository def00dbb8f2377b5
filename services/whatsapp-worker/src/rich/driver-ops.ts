import { type DriverOpCommand, type DriverOpReply, sessionReplyChannel } from "@wagate/contracts";
import type { WorkerContext } from "../context.js";
import { GroupNotFoundError, SendError, type WhatsAppDriver } from "../drivers/types.js";

/** Bound on one operation: the API waits `DRIVER_OP_WAIT_MS` (15 s) in all. */
const OP_TIMEOUT_MS = 12_000;

const within = <T>(promise: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timed out")), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

/** The driver method behind each group operation. */
const GROUP_METHODS = {
  group_list: "listGroups",
  group_create: "createGroup",
  group_get: "getGroup",
  group_participants: "changeGroupParticipants",
  group_update: "updateGroup",
  group_leave: "leaveGroup",
} as const;

/** Runs one driver operation; the outcome as the reply the API reads. */
export async function runDriverOp(
  driver: WhatsAppDriver | null,
  command: DriverOpCommand,
): Promise<DriverOpReply> {
  if (!driver) return { ok: false, reason: "not_ready", message: "the session is not connected" };
  const request = command.request;
  const method =
    request.op === "check_numbers"
      ? driver.checkNumbers
      : request.op === "profile"
        ? driver.getProfile
        : request.op === "read"
          ? driver.markRead
          : request.op === "presence"
            ? driver.setPresence
            : request.op.startsWith("group_")
              ? driver[GROUP_METHODS[request.op as keyof typeof GROUP_METHODS]]
              : driver[request.op as "react" | "edit" | "revoke"];
  if (!method) {
    return {
      ok: false,
      reason: "unsupported",
      message: `the ${driver.kind} driver cannot ${request.op.replace("_", " ")}`,
    };
  }
  try {
    switch (request.op) {
      case "react":
        await within(driver.react!(request, request.emoji), OP_TIMEOUT_MS);
        return { ok: true, result: {} };
      case "edit":
        await within(driver.edit!(request, request.text), OP_TIMEOUT_MS);
        return { ok: true, result: {} };
      case "revoke":
        await within(driver.revoke!(request), OP_TIMEOUT_MS);
        return { ok: true, result: {} };
      case "read":
        await within(driver.markRead!(request.chat), OP_TIMEOUT_MS);
        return { ok: true, result: {} };
      case "presence":
        await within(driver.setPresence!(request.chat, request.state), OP_TIMEOUT_MS);
        return { ok: true, result: {} };
      case "check_numbers":
        return {
          ok: true,
          result: { numbers: await within(driver.checkNumbers!(request.phones), OP_TIMEOUT_MS) },
        };
      case "profile":
        return {
          ok: true,
          result: { profile: await within(driver.getProfile!(request.chat), OP_TIMEOUT_MS) },
        };
      case "group_list":
        return { ok: true, result: { groups: await within(driver.listGroups!(), OP_TIMEOUT_MS) } };
      case "group_create":
        return {
          ok: true,
          result: {
            group: await within(
              driver.createGroup!(request.subject, request.participants),
              OP_TIMEOUT_MS,
            ),
          },
        };
      case "group_get":
        return {
          ok: true,
          result: { group: await within(driver.getGroup!(request.group), OP_TIMEOUT_MS) },
        };
      case "group_participants":
        return {
          ok: true,
          result: {
            group: await within(
              driver.changeGroupParticipants!(request.group, request.action, request.phones),
              OP_TIMEOUT_MS,
            ),
          },
        };
      case "group_update": {
        const change = {
          ...(request.subject !== undefined ? { subject: request.subject } : {}),
          ...(request.description !== undefined ? { description: request.description } : {}),
        };
        return {
          ok: true,
          result: {
            group: await within(driver.updateGroup!(request.group, change), OP_TIMEOUT_MS),
          },
        };
      }
      case "group_leave":
        await within(driver.leaveGroup!(request.group), OP_TIMEOUT_MS);
        return { ok: true, result: {} };
    }
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    if (error instanceof GroupNotFoundError) return { ok: false, reason: "not_found", message };
    if (error instanceof SendError && error.code === "session_not_ready") {
      return { ok: false, reason: "not_ready", message };
    }
    return { ok: false, reason: "failed", message };
  }
}

/**
 * Answers a `driver_op` command (issue 12) for a session this worker owns: runs it on the
 * session's driver (null when not `ready`) and publishes the reply once on
 * `session-reply:<replyId>`.
 */
export async function answerDriverOp(
  ctx: WorkerContext,
  driver: WhatsAppDriver | null,
  command: DriverOpCommand,
): Promise<void> {
  const reply = await runDriverOp(driver, command);
  if (!reply.ok) {
    ctx.logger.warn(
      { sessionId: command.sessionId, op: command.request.op, reason: reply.reason },
      "driver operation refused",
    );
  }
  await ctx.redis
    .publish(sessionReplyChannel(ctx.redisPrefix, command.replyId), JSON.stringify(reply))
    .catch((error) =>
      ctx.logger.warn({ err: error, sessionId: command.sessionId }, "reply not published"),
    );
}
