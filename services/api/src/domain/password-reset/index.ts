export * from "./confirm.js";
export * from "./deliver.js";
export * from "./limits.js";
export * from "./request.js";
export * from "./secrets.js";
export * from "./verify.js";
