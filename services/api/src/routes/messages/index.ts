import { createRouter } from "../../lib/openapi.js";
import { registerCancelMessage } from "./cancel.js";
import { registerGetMessage } from "./get.js";
import { registerListMessages } from "./list.js";
import { registerSendMedia } from "./send-media.js";
import { registerSendText } from "./send-text.js";

/**
 * `/api/v1/messages/*`: API key; `messages:send` to send and cancel, `messages:read` to read.
 * `/list` is registered before `/{id}` so it is not taken for an id.
 */
export function messagesRouter() {
  const router = createRouter();
  registerSendText(router);
  registerSendMedia(router);
  registerListMessages(router);
  registerGetMessage(router);
  registerCancelMessage(router);
  return router;
}
