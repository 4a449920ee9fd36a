import { sql } from "drizzle-orm";
import { bigint, check, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { ACTOR_TYPES, type TActorType } from "@/shared/enums";
import { crmAdmins } from "./auth";
import { inList } from "./in-list";

/** One row per change, written in the same transaction as the change. */
export const crmAuditLog = pgTable(
  "crm_audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    actorType: text("actor_type").$type<TActorType>().notNull(),
    actorId: uuid("actor_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    /** Kept even after the admin row is removed. */
    actorEmail: text("actor_email"),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    before: jsonb("before"),
    after: jsonb("after"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("crm_audit_log_target_idx").on(t.targetType, t.targetId, t.at),
    index("crm_audit_log_actor_idx").on(t.actorId),
    index("crm_audit_log_at_idx").on(t.at),
    check("crm_audit_log_actor_type_check", sql`${t.actorType} IN (${inList(ACTOR_TYPES)})`),
  ],
);
