import { boolean, index, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Rate limits kept in Postgres, so they hold across every CRM instance: one
 * row per limited key (a hashed sign-in address, a client IP, an API key) in
 * the generic cell rate algorithm's form, the "theoretical arrival time". A
 * row whose `tat` is past is the same as no row; housekeeping deletes them.
 */
export const crmRateLimits = pgTable(
  "crm_rate_limits",
  {
    key: text("key").primaryKey(),
    tat: timestamp("tat", { withTimezone: true }).notNull(),
    /** Whether the last request counted against this key was let through. */
    allowed: boolean("allowed").notNull(),
  },
  (t) => [index("crm_rate_limits_tat_idx").on(t.tat)],
);
