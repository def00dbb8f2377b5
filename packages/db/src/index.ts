export * from "./client.js";
export * from "./ids.js";
export * from "./migrate.js";
export * from "./partitions.js";
export * from "./schema/index.js";
