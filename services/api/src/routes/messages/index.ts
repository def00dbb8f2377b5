import { createRouter } from "../../lib/openapi.js";
import { registerMessageActions } from "./actions.js";
import { registerCancelMessage } from "./cancel.js";
import { registerGetMessage } from "./get.js";
import { registerListMessages } from "./list.js";
import { registerGetMessageMedia } from "./media.js";
import { registerSendMedia } from "./send-media.js";
import { registerSendRich } from "./send-rich.js";
import { registerSendText } from "./send-text.js";

/**
 * `/api/v1/messages/*`: API key; `messages:send` to send and cancel, `messages:read` to read.
 * `/list` is registered before `/{id}` so it is not taken for an id.
 */
export function messagesRouter() {
  const router = createRouter();
  registerSendText(router);
  registerSendMedia(router);
  registerSendRich(router);
  registerListMessages(router);
  registerGetMessage(router);
  registerGetMessageMedia(router);
  registerCancelMessage(router);
  registerMessageActions(router);
  return router;
}
