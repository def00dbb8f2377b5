export * from "./fixtures.js";
export * from "./infra.js";
export * from "./password-cost.js";
