import * as app from "./app";
import * as crm from "./crm";

/** The CRM's own tables and the main app's read-only tables, merged at run time. */
export const schema = { ...crm, ...app };
export type Schema = typeof schema;
export * from "./app";
export * from "./crm";
