import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { crmAdmins } from "./auth";

/** Settings admins change in the CRM (not the environment's): one JSON value per key, validated by its schema in shared/schemas. */
export const crmSettings = pgTable(
  "crm_settings",
  {
    key: text("key").primaryKey(),
    value: jsonb("value").$type<unknown>().notNull(),
    updatedById: uuid("updated_by_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("crm_settings_updated_by_idx").on(t.updatedById)],
);
