export * from "./enums.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./pubsub.js";
export * from "./queues.js";
export * from "./redis-keys.js";
