import { setTimeout as sleep } from "node:timers/promises";
import type { MessageRow } from "@wagate/core";
import type { WorkerContext } from "../context.js";
import type { SendSession } from "./session.js";

/**
 * "Typing before send" (pacing `typing_ms_per_char`): shows the recipient typing for a time
 * proportional to the text, then lets the send go. Cosmetic: a driver without presence, or
 * one that fails to show it, sends at once.
 */
export async function typeBeforeSend(
  ctx: WorkerContext,
  session: SendSession,
  row: MessageRow,
): Promise<void> {
  const ms = session.pacer.typingMs(row.type === "text" ? row.content : null);
  const driver = session.driver();
  if (ms <= 0 || !driver.setPresence) return;
  try {
    await driver.setPresence(row.recipient, "typing");
  } catch (error) {
    ctx.logger.debug({ err: error, messageId: row.id }, "typing before send not shown");
    return;
  }
  await sleep(ms, undefined, { signal: session.signal }).catch(() => {});
}
