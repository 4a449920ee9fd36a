import { sql } from "drizzle-orm";
import { bigint, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { crmAdmins } from "./auth";

/**
 * One row per main-app user with what the users list filters and sorts on
 * and the source tables cannot index: the current plan and subscription
 * status, lifetime spend and lifetime AI usage. Maintained by the
 * refresh-analytics job (AI usage incrementally with the rollups, in the same
 * transaction; plan and spend recomputed, writing only changed rows). The
 * profile reads the source tables live; the list says how fresh these are.
 */
export const crmUserStats = pgTable(
  "crm_user_stats",
  {
    userId: uuid("user_id").primaryKey(),
    /** Plan of the latest subscription, 'free' when the user never subscribed. */
    plan: text("plan").notNull().default("free"),
    /** Status of the latest subscription, 'none' when the user never subscribed. */
    subscriptionStatus: text("subscription_status").notNull().default("none"),
    spentCents: bigint("spent_cents", { mode: "number" }).notNull().default(0),
    aiTokens: bigint("ai_tokens", { mode: "number" }).notNull().default(0),
    aiCostMicros: bigint("ai_cost_micros", { mode: "number" }).notNull().default(0),
    /** Lifetime revenue minus lifetime AI cost, in micro-dollars. */
    marginMicros: bigint("margin_micros", { mode: "number" }).notNull().generatedAlwaysAs(sql`spent_cents * 10000 - ai_cost_micros`),
    /**
     * The user's signup time (app.users.created_at, which never changes), copied by the stats refresh: a page of
     * users with a stats filter (AI cost ≥ $2) in signup order sorts its candidates from here, without looking
     * each one up in app.users. Null only for a row an AI-usage batch made since the last stats refresh.
     */
    joinedAt: timestamp("joined_at", { withTimezone: true }),
  },
  (t) => [
    // Each filter's index ends with the user and the signup time: the users matching it are listed in signup order
    // from the index alone (list-users.ts), and sorting by the column itself reads (column, user) in order.
    index("crm_user_stats_spent_idx").on(t.spentCents, t.userId, t.joinedAt),
    index("crm_user_stats_ai_cost_idx").on(t.aiCostMicros, t.userId, t.joinedAt),
    index("crm_user_stats_margin_idx").on(t.marginMicros, t.userId, t.joinedAt),
    index("crm_user_stats_plan_idx").on(t.plan, t.subscriptionStatus, t.userId, t.joinedAt),
    // The few rows without a copy of the signup time yet (made by an AI-usage batch since the last stats refresh).
    index("crm_user_stats_unjoined_idx").on(t.userId).where(sql`joined_at IS NULL`),
  ],
);

/** When the per-user stats were last brought up to date. One row, id 'main'. */
export const crmUserStatsState = pgTable("crm_user_stats_state", {
  id: text("id").primaryKey(),
  /** When plan, status and spend were last brought up to date (in full, or from the change log). */
  refreshedAt: timestamp("refreshed_at", { withTimezone: true }).notNull().defaultNow(),
  /** When they were last recomputed in full (null: before migration 0029; refreshed_at then). */
  fullAt: timestamp("full_at", { withTimezone: true }),
  /** The snapshot (pg_snapshot as text) they are up to date at: the change log's rows it does not see are applied next. */
  logSnapshot: text("log_snapshot"),
});

/** A users-list view an admin saved: its name and the list's URL query. */
export const crmSavedViews = pgTable(
  "crm_saved_views",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    adminId: uuid("admin_id")
      .notNull()
      .references(() => crmAdmins.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    query: text("query").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("crm_saved_views_admin_name_idx").on(t.adminId, t.name)],
);
