import { bigint, customType, index, integer, numeric, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Analytics rollups, maintained incrementally up to a watermark by the
 * refresh-analytics job (see src/server/services/analytics/rollups/). Queries
 * combine them with a live read of the rows after the watermark, so the
 * numbers are exact whether or not the job has run.
 */

const int4multirange = customType<{ data: string; driverData: string }>({ dataType: () => "int4multirange" });

/** How far each source table has been rolled up. One row, id 'main'. */
export const crmRollupState = pgTable("crm_rollup_state", {
  id: text("id").primaryKey(),
  sessionsUntilId: bigint("sessions_until_id", { mode: "number" }).notNull(),
  eventsUntilId: bigint("events_until_id", { mode: "number" }).notNull(),
  tokensUntilId: bigint("tokens_until_id", { mode: "number" }).notNull(),
  refreshedAt: timestamp("refreshed_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Additive counts per 15-minute UTC bucket: every timezone offset in use is a
 * multiple of 15 minutes, so local days in any timezone are exact unions of
 * buckets. metric/dim: session/'', event/<name>, tokens/<model> (n calls,
 * v1 tokens, v2 cost). Payments and subscriptions are not rolled up: they
 * change after they are written (refunds, cancellations) and are small.
 */
export const crmRollupBuckets = pgTable(
  "crm_rollup_buckets",
  {
    metric: text("metric").notNull(),
    dim: text("dim").notNull(),
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    n: bigint("n", { mode: "number" }).notNull(),
    v1: numeric("v1", { precision: 24, scale: 6 }).notNull().default("0"),
    v2: numeric("v2", { precision: 24, scale: 6 }).notNull().default("0"),
  },
  (t) => [primaryKey({ columns: [t.metric, t.dim, t.bucket] }), index("crm_rollup_buckets_bucket_idx").on(t.bucket)],
);

/**
 * Per user with any activity: the UTC days and the 15-minute slots they were
 * active in (as multiranges: a long streak is one range), and their intensive
 * flow. "Active in a window" is answered from the row alone. Signups are not
 * rolled up: app.users is read by its created_at index, which stays exact
 * even when user rows arrive late.
 */
export const crmRollupUsers = pgTable("crm_rollup_users", {
  userId: uuid("user_id").primaryKey(),
  activeDays: int4multirange("active_days").notNull().default("{}"),
  activeSlots: int4multirange("active_slots").notNull().default("{}"),
  intensiveStartedAt: timestamp("intensive_started_at", { withTimezone: true }),
  intensiveCompletions: timestamp("intensive_completions", { withTimezone: true }).array().notNull().default([]),
});

/** AI usage per user and UTC day, for the top users by cost over a range. */
export const crmRollupUserDayTokens = pgTable(
  "crm_rollup_user_day_tokens",
  {
    day: integer("day").notNull(),
    userId: uuid("user_id").notNull(),
    tokens: bigint("tokens", { mode: "number" }).notNull(),
    costUsd: numeric("cost_usd", { precision: 18, scale: 6 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.userId] })],
);
