import { sql } from "drizzle-orm";
import { bigint, customType, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** A transaction id (xid8): compared with snapshots (pg_visible_in_snapshot). Never read into JavaScript. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => "xid8" });

/**
 * The main app's changes to the tables analytics read live (users, subscriptions, payments), written by triggers on
 * those tables in the main app's own transactions (docs/source-contract.md, "Change log"): the changed columns before
 * (`old`) and after (`new`), only those analytics read. A row with neither is a TRUNCATE or a (re)installation of the
 * triggers: every number kept from that table is read again. Analytics keeps a number read at a snapshot and brings it
 * forward with the rows written since (src/server/services/analytics/kept-source.ts); the refresh job deletes rows
 * older than any kept number can be.
 */
export const crmSourceChanges = pgTable(
  "crm_source_changes",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    xid: xid8("xid").notNull().default(sql`pg_current_xact_id()`),
    tbl: text("tbl").notNull(),
    old: jsonb("old"),
    new: jsonb("new"),
  },
  (t) => [index("crm_source_changes_tbl_xid_idx").on(t.tbl, t.xid)],
);

/**
 * Which relation's triggers log each contract table (`tbl`: users, subscriptions, payments): the table itself, or
 * the table behind the view SOURCE_SCHEMA maps onto it, and the columns they log. Analytics and the users list follow
 * a table's log only while that relation carries the three change-log triggers, enabled always, and logs this
 * version's columns.
 */
export const crmSourceChangeSources = pgTable("crm_source_change_sources", {
  tbl: text("tbl").primaryKey(),
  relation: text("relation").notNull(),
  /** The columns its triggers log (null: registered before migration 0029): other than this version's, not followed. */
  columns: text("columns").array(),
});

/** When the refresh job looked at the oldest running transaction: log rows older than one taken an hour ago can go. */
export const crmSourceChangeHorizons = pgTable("crm_source_change_horizons", {
  takenAt: timestamp("taken_at", { withTimezone: true }).primaryKey(),
  oldestXid: xid8("oldest_xid").notNull(),
});
