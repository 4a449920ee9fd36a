import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { crmAdmins } from "./auth";

/** Direct messages (seed: crm_messages). user_id is the main app's user id (no FK). */
export const crmMessages = pgTable(
  "crm_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull(),
    fromAdminId: uuid("from_admin_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    subject: text("subject"),
    content: text("content").notNull(),
    readAt: timestamp("read_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("crm_messages_user_created_idx").on(t.userId, t.createdAt), index("crm_messages_from_admin_idx").on(t.fromAdminId)],
);
