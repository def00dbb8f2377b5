export * from "./accounts.js";
export * from "./admins.js";
export * from "./api-logs.js";
export * from "./consent.js";
export * from "./media.js";
export * from "./messaging.js";
export * from "./pairing.js";
export * from "./simulator.js";
