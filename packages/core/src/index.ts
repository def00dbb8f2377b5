export * from "./api-key-format.js";
export * from "./env.js";
export * from "./lifecycle.js";
export * from "./logger.js";
export * from "./message-status.js";
export * from "./metrics.js";
export * from "./ops.js";
export * from "./redis.js";
