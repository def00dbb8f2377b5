export * from "./fixtures.js";
export * from "./infra.js";
