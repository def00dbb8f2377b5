export * from "./api-logs.js";
export * from "./history.js";
export * from "./summary.js";
export * from "./usage-stats.js";
