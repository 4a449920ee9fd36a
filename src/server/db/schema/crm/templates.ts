import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { SUPPRESSION_REASONS, TEMPLATE_STATUSES, type TSuppressionReason } from "@/shared/enums";
import { crmAdmins } from "./auth";
import { inList } from "./in-list";

/** An email template; its content lives in versions, and editing adds a version. */
export const crmEmailTemplates = pgTable(
  "crm_email_templates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description"),
    status: text("status").$type<(typeof TEMPLATE_STATUSES)[number]>().notNull().default("active"),
    currentVersion: integer("current_version").notNull().default(1),
    createdById: uuid("created_by_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("crm_email_templates_created_by_idx").on(t.createdById),
    check("crm_email_templates_status_check", sql`${t.status} IN (${inList(TEMPLATE_STATUSES)})`),
  ],
);

/** Every saved state of a template: subject and Markdown body with merge variables. Never changed once written. */
export const crmEmailTemplateVersions = pgTable(
  "crm_email_template_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    templateId: uuid("template_id")
      .notNull()
      .references(() => crmEmailTemplates.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    createdById: uuid("created_by_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("crm_email_template_versions_template_version_idx").on(t.templateId, t.version),
    index("crm_email_template_versions_created_by_idx").on(t.createdById),
  ],
);

/** Keys the main app uses for the CRM's HTTP API. Only a hash is kept; the key is shown once. */
export const crmApiKeys = pgTable(
  "crm_api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /** The first characters of the key, to tell keys apart in Settings. */
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull(),
    createdById: uuid("created_by_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("crm_api_keys_hash_idx").on(t.hash), index("crm_api_keys_created_by_idx").on(t.createdById)],
);

/** Addresses that must not get marketing email: unsubscribed (and, with campaigns, bounced or complained). */
export const crmSuppressions = pgTable(
  "crm_suppressions",
  {
    email: text("email").primaryKey(),
    userId: uuid("user_id"),
    reason: text("reason").$type<TSuppressionReason>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("crm_suppressions_user_idx").on(t.userId),
    check("crm_suppressions_reason_check", sql`${t.reason} IN (${inList(SUPPRESSION_REASONS)})`),
  ],
);
