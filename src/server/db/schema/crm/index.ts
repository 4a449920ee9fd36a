export * from "./audit-log";
export * from "./auth";
export * from "./campaigns";
export * from "./email-outbox";
export * from "./jobs";
export * from "./messages";
export * from "./segments";
export * from "./user-metadata";
