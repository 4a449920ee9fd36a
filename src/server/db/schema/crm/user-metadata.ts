import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { PRIORITIES, type TPriority } from "@/shared/enums";
import { crmAdmins } from "./auth";
import { inList } from "./in-list";

/** Tags, notes and priority admins keep on a user (seed: crm_user_metadata); one row per user. */
export const crmUserMetadata = pgTable(
  "crm_user_metadata",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull(),
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    notes: text("notes"),
    priority: text("priority").$type<TPriority>(),
    /** Bumped on every edit so a stale edit can be refused instead of overwriting. */
    version: integer("version").notNull().default(1),
    updatedById: uuid("updated_by_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("crm_user_metadata_user_idx").on(t.userId),
    index("crm_user_metadata_tags_idx").using("gin", t.tags),
    index("crm_user_metadata_priority_idx").on(t.priority),
    index("crm_user_metadata_updated_by_idx").on(t.updatedById),
    check("crm_user_metadata_priority_check", sql`${t.priority} IN (${inList(PRIORITIES)})`),
  ],
);
