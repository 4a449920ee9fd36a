import { sql } from "drizzle-orm";
import { env } from "@/lib/env";

/**
 * The main app's tables (docs/source-contract.md), read-only to the CRM: their
 * schema, from validated config (a plain identifier), for raw SQL over them.
 * Their Drizzle declarations live in db/schema/app.
 */
export const srcSchema = () => sql.raw(`"${env().SOURCE_SCHEMA}"`);

export const iso = (d: Date) => d.toISOString();
export const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
