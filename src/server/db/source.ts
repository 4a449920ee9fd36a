import { type SQL, sql } from "drizzle-orm";
import { env } from "@/lib/env";

/**
 * The main app's tables (docs/source-contract.md), read-only to the CRM: their
 * schema, from validated config (a plain identifier), for raw SQL over them.
 * Their Drizzle declarations live in db/schema/app.
 */
export const srcSchema = () => sql.raw(`"${env().SOURCE_SCHEMA}"`);

export const iso = (d: Date) => d.toISOString();
export const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/**
 * Each user's latest subscription (latest `started_at`, then highest id) as rows of `s`, with `columns` of `s`:
 * the subscriptions no later one of the same user follows. For everyone, one hashed anti-join; `DISTINCT ON` sorted
 * every subscription instead (at 1M users 187k rows, spilled to disk in each parallel worker: 220 ms against 120 ms).
 * `where` narrows `s` (one user's: a lateral lookup by the user index).
 */
export const latestSubscriptions = (columns: SQL, where?: SQL) => {
  const S = srcSchema();
  return sql`SELECT ${columns} FROM ${S}.subscriptions s WHERE ${where ? sql`${where} AND ` : sql``}NOT EXISTS (
    SELECT 1 FROM ${S}.subscriptions l WHERE l.user_id = s.user_id AND (l.started_at, l.id) > (s.started_at, s.id))`;
};

/** A user's lifetime spend in whole cents: the `amount` of their succeeded payments (aggregate over payments rows). */
export const SPENT_CENTS = sql`coalesce(sum(round(amount * 100)) FILTER (WHERE status = 'succeeded'), 0)::bigint`;
