import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
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
    createdById: uuid("created_by_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("crm_user_segments_created_by_idx").on(t.createdById),
    check("crm_user_segments_user_count_check", sql`${t.userCount} >= 0`),
  ],
);
