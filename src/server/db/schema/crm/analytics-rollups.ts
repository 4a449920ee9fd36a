import { bigint, customType, index, integer, pgTable, primaryKey, smallint, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Analytics rollups, maintained incrementally up to a watermark by the
 * refresh-analytics job (see src/server/services/analytics/rollups/). Queries
 * combine them with a live read of the rows after the watermark, so the
 * numbers are exact whether or not the job has run.
 */

const varbit = customType<{ data: string; driverData: string }>({ dataType: () => "bit varying" });

/** How far each source table has been rolled up. One row, id 'main'. */
export const crmRollupState = pgTable("crm_rollup_state", {
  id: text("id").primaryKey(),
  sessionsUntilId: bigint("sessions_until_id", { mode: "number" }).notNull(),
  eventsUntilId: bigint("events_until_id", { mode: "number" }).notNull(),
  tokensUntilId: bigint("tokens_until_id", { mode: "number" }).notNull(),
  refreshedAt: timestamp("refreshed_at", { withTimezone: true }).notNull().defaultNow(),
  /**
   * The day bit strings (crm_rollup_day_bits) of this UTC day and later lag crm_rollup_user_days: a catch-up
   * builds them once it is done, and reads take those days from the user-days meanwhile. Null: none lag.
   */
  bitsStaleFromDay: integer("bits_stale_from_day"),
  /**
   * A new random value in every transaction that changes what the rollups hold (rows rolled up, strings built):
   * reads keep what they computed from the rollups alone under it (rollup-source), still exact.
   */
  version: uuid("version").notNull().defaultRandom(),
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
 * Dense integer numbers for users (0, 1, 2, … in the order of `created_at`
 * as far as users arrive in that order), so that sets of users can be bit
 * strings: bit n of a chunk is user number chunk × 8192 + n. Every user with
 * activity is numbered; so is every signup the refresh sees (a run numbers
 * the users created since the last numbered one). `created_at` is the
 * source's, copied (signups never move).
 */
export const crmUserNumbers = pgTable(
  "crm_user_numbers",
  {
    // Migration 0033 rebuilds the key as PRIMARY KEY (user_id) INCLUDE (num) (drizzle cannot declare INCLUDE): a user's
    // number is read from the index alone.
    userId: uuid("user_id").primaryKey(),
    num: integer("num").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }),
  },
  (t) => [index("crm_user_numbers_created_at_idx").on(t.createdAt, t.userId, t.num)],
);

/**
 * One row per user and UTC day with activity: the first and last 15-minute
 * slot of the day (0–95) they were active in. A window that starts inside a
 * UTC day covers a suffix of it (active there ⇔ last_slot ≥ its first slot);
 * one that ends inside a day covers a prefix (⇔ first_slot < its end slot).
 */
export const crmRollupUserDays = pgTable(
  "crm_rollup_user_days",
  {
    day: integer("day").notNull(),
    num: integer("num").notNull(),
    firstSlot: smallint("first_slot").notNull(),
    lastSlot: smallint("last_slot").notNull(),
  },
  (t) => [
    // Migration 0020 rebuilds the key as PRIMARY KEY (day, num) INCLUDE (first_slot, last_slot) (drizzle cannot
    // declare INCLUDE): every read (a day's partial-day users, a range of numbers on a day) is index-only, and a
    // refresh writes one index entry per user-day, not two.
    primaryKey({ columns: [t.day, t.num] }),
  ],
);

/**
 * Who was active on a UTC day, as bit strings of 8192 users each (user number
 * chunk × 8192 + i is bit i). A range's whole days are the OR of their rows;
 * its active users the bits set (bit_count): the cost follows the number of
 * days and chunks, not rows.
 *
 * The same users' first and last 15-minute slot of the day, bit-sliced: bit i
 * of `first_planes[j + 1]` is bit j of user i's first slot (slots 0–95 take 7
 * bits). `crm_slot_lt(planes, bits, s)` compares every user's slot with s at
 * once, so a day's part after slot s (last slot ≥ s) or before it (first slot
 * < s) is a bit string too, and a range starting or ending inside a UTC day
 * (any time zone's local days) still costs per chunk, not per user.
 *
 * Stored uncompressed (migration 0034: STORAGE EXTERNAL): each refresh rewrites the current day's strings, and
 * compressing them was nearly all of that upsert's time.
 */
export const crmRollupDayBits = pgTable(
  "crm_rollup_day_bits",
  {
    day: integer("day").notNull(),
    chunk: integer("chunk").notNull(),
    bits: varbit("bits").notNull(),
    firstPlanes: varbit("first_planes").array().notNull(),
    lastPlanes: varbit("last_planes").array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.chunk] })],
);

/**
 * Per user with intensive events: the first start and every completion.
 * Signups are not rolled up: app.users is read by its created_at index,
 * which stays exact even when user rows arrive late.
 */
export const crmRollupUsers = pgTable(
  "crm_rollup_users",
  {
    userId: uuid("user_id").primaryKey(),
    intensiveStartedAt: timestamp("intensive_started_at", { withTimezone: true }),
    intensiveCompletions: timestamp("intensive_completions", { withTimezone: true }).array().notNull().default([]),
  },
  (t) => [index("crm_rollup_users_intensive_started_at_idx").on(t.intensiveStartedAt)],
);

/** AI usage per user and UTC day, for the top users by cost over a range (cost in micro-dollars). */
export const crmRollupUserDayTokens = pgTable(
  "crm_rollup_user_day_tokens",
  {
    day: integer("day").notNull(),
    userId: uuid("user_id").notNull(),
    tokens: bigint("tokens", { mode: "number" }).notNull(),
    costMicros: bigint("cost_micros", { mode: "number" }).notNull(),
  },
  (t) => [
    // Migration 0021 rebuilds the key as PRIMARY KEY (day, user_id) INCLUDE (tokens, cost_micros) (drizzle cannot
    // declare INCLUDE): a range of whole days is read from the index alone (segments' AI usage conditions).
    primaryKey({ columns: [t.day, t.userId] }),
    // One user's days of a range, index-only: the exact totals of the candidates for the top users by cost.
    index("crm_rollup_user_day_tokens_user_idx").on(t.userId, t.day, t.costMicros, t.tokens),
  ],
);

/**
 * The same per user and 7-day block (week = UTC day number ÷ 7), read most
 * expensive first: a user outside every covered week's top D costs at most
 * the sum of those weeks' D-th costs, so the top users by cost of a range
 * are found among a few hundred candidates (threshold algorithm), exactly.
 */
export const crmRollupUserWeekTokens = pgTable(
  "crm_rollup_user_week_tokens",
  {
    week: integer("week").notNull(),
    userId: uuid("user_id").notNull(),
    tokens: bigint("tokens", { mode: "number" }).notNull(),
    costMicros: bigint("cost_micros", { mode: "number" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.week, t.userId] }),
    index("crm_rollup_user_week_tokens_cost_idx").on(t.week, t.costMicros.desc(), t.userId),
  ],
);
