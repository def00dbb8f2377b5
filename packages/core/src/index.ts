export * from "./env.js";
export * from "./lifecycle.js";
export * from "./logger.js";
export * from "./metrics.js";
export * from "./ops.js";
export * from "./redis.js";
