import { bigint, customType, index, integer, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

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
 * v1 tokens, v2 cost in micro-dollars: integers sum fast and exactly). Payments and subscriptions are not rolled up: they
 * change after they are written (refunds, cancellations) and are small.
 */
export const crmRollupBuckets = pgTable(
  "crm_rollup_buckets",
  {
    metric: text("metric").notNull(),
    dim: text("dim").notNull(),
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    n: bigint("n", { mode: "number" }).notNull(),
    v1: bigint("v1", { mode: "number" }).notNull().default(0),
    v2: bigint("v2", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.metric, t.dim, t.bucket] }), index("crm_rollup_buckets_metric_bucket_idx").on(t.metric, t.bucket)],
);

/**
 * The same counts per whole UTC day: a long window reads a day row where it
 * would read 96 bucket rows, and buckets only at its partial days.
 */
export const crmRollupDays = pgTable(
  "crm_rollup_days",
  {
    metric: text("metric").notNull(),
    dim: text("dim").notNull(),
    day: integer("day").notNull(),
    n: bigint("n", { mode: "number" }).notNull(),
    v1: bigint("v1", { mode: "number" }).notNull().default(0),
    v2: bigint("v2", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.metric, t.day, t.dim] })],
);

/**
 * Per user with any activity: the UTC days they were active on (a multirange:
 * a long streak is one range), the 15-minute slots they were active in during
 * their first 32 days (all that D1/D7/D30 retention needs, small enough to
 * keep in the row) and their intensive flow. Kept narrow so a scan of every
 * user stays cheap. Signups are not rolled up: app.users is read by its
 * created_at index, which stays exact even when user rows arrive late.
 */
export const crmRollupUsers = pgTable("crm_rollup_users", {
  userId: uuid("user_id").primaryKey(),
  activeDays: int4multirange("active_days").notNull().default("{}"),
  earlySlots: int4multirange("early_slots").notNull().default("{}"),
  intensiveStartedAt: timestamp("intensive_started_at", { withTimezone: true }),
  intensiveCompletions: timestamp("intensive_completions", { withTimezone: true }).array().notNull().default([]),
});

/**
 * The 15-minute slots each user was active in, looked up by primary key only
 * for the users a window's partial UTC days leave undecided (any timezone
 * other than UTC).
 */
export const crmRollupUserSlots = pgTable("crm_rollup_user_slots", {
  userId: uuid("user_id").primaryKey(),
  activeSlots: int4multirange("active_slots").notNull().default("{}"),
});

/** AI usage per user and UTC day, for the top users by cost over a range (cost in micro-dollars). */
export const crmRollupUserDayTokens = pgTable(
  "crm_rollup_user_day_tokens",
  {
    day: integer("day").notNull(),
    userId: uuid("user_id").notNull(),
    tokens: bigint("tokens", { mode: "number" }).notNull(),
    costMicros: bigint("cost_micros", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.userId] })],
);
