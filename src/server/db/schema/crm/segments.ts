import { sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { crmAdmins } from "./auth";

/** Segments for targeting (seed: crm_user_segments). Criteria are JSONB. */
export const crmUserSegments = pgTable(
  "crm_user_segments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description"),
    criteria: jsonb("criteria").$type<unknown>().notNull(),
    userCount: integer("user_count").notNull().default(0),
    /** When membership was last recomputed (null: never), and how long that took. */
    lastComputedAt: timestamp("last_computed_at", { withTimezone: true }),
    lastComputeMs: integer("last_compute_ms"),
    createdById: uuid("created_by_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("crm_user_segments_created_by_idx").on(t.createdById),
    check("crm_user_segments_user_count_check", sql`${t.userCount} >= 0`),
  ],
);

/** Current members of each segment, materialised by recomputeSegment. */
export const crmSegmentMembers = pgTable(
  "crm_segment_members",
  {
    /**
     * The segment (crm_user_segments.id). Not a foreign key, here or in the history: a first recompute at 1M users
     * writes a member and a history row per user, and the reference was checked once for each (a quarter of the
     * write, 480 of 1,975 ms for 84k members at 100k users). Only recomputeSegment writes them, holding the
     * segment's row (FOR UPDATE), so the segment exists; deleting a segment deletes both (trigger
     * crm_user_segments_delete_members, migration 0030), as the cascade did.
     */
    segmentId: uuid("segment_id").notNull(),
    userId: uuid("user_id").notNull(),
    enteredAt: timestamp("entered_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.segmentId, t.userId] }), index("crm_segment_members_user_idx").on(t.userId)],
);

/** Every entry into and exit from a segment, with its time. */
export const crmSegmentMembershipHistory = pgTable(
  "crm_segment_membership_history",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    /** The segment; not a foreign key (see crm_segment_members). */
    segmentId: uuid("segment_id").notNull(),
    userId: uuid("user_id").notNull(),
    change: text("change").$type<"entered" | "exited">().notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("crm_segment_history_user_at_idx").on(t.userId, t.at),
    // A segment's history in the order it was written: automations' segment triggers read it after a cursor id,
    // the segment page its latest changes (no (segment, at) index: one less write per member).
    index("crm_segment_history_segment_id_idx").on(t.segmentId, t.id),
    check("crm_segment_history_change_check", sql`${t.change} IN ('entered', 'exited')`),
  ],
);

/** The member count after each recompute that changed something, for "count over time". */
export const crmSegmentCounts = pgTable(
  "crm_segment_counts",
  {
    segmentId: uuid("segment_id")
      .notNull()
      .references(() => crmUserSegments.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    userCount: integer("user_count").notNull(),
    entered: integer("entered").notNull(),
    exited: integer("exited").notNull(),
  },
  (t) => [primaryKey({ columns: [t.segmentId, t.at] })],
);
