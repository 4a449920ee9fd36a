import { sql } from "drizzle-orm";
import { type AnyPgColumn, check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { ADMIN_ROLES, type TAdminRole } from "@/shared/enums";
import { inList } from "./in-list";

/**
 * Admins of the CRM. This is also the next-auth "users" table: a row exists
 * only for an invited address, and sign-in refuses every other address.
 */
export const crmAdmins = pgTable(
  "crm_admins",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name"),
    emailVerified: timestamp("email_verified", { withTimezone: true, mode: "date" }),
    image: text("image"),
    role: text("role").$type<TAdminRole>().notNull().default("viewer"),
    invitedById: uuid("invited_by_id").references((): AnyPgColumn => crmAdmins.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
    /** IANA timezone the admin reads dashboards in; days are cut there. */
    timezone: text("timezone").notNull().default("UTC"),
  },
  (t) => [
    uniqueIndex("crm_admins_email_lower_idx").on(sql`lower(${t.email})`),
    index("crm_admins_invited_by_idx").on(t.invitedById),
    check("crm_admins_role_check", sql`${t.role} IN (${inList(ADMIN_ROLES)})`),
    check("crm_admins_email_lower_check", sql`${t.email} = lower(${t.email})`),
  ],
);

export const crmAuthAccounts = pgTable(
  "crm_auth_accounts",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => crmAdmins.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    provider: text("provider").notNull(),
    providerAccountId: text("provider_account_id").notNull(),
    refresh_token: text("refresh_token"),
    access_token: text("access_token"),
    expires_at: integer("expires_at"),
    token_type: text("token_type"),
    scope: text("scope"),
    id_token: text("id_token"),
    session_state: text("session_state"),
  },
  (t) => [primaryKey({ columns: [t.provider, t.providerAccountId] }), index("crm_auth_accounts_user_idx").on(t.userId)],
);

export const crmAuthSessions = pgTable(
  "crm_auth_sessions",
  {
    sessionToken: text("session_token").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => crmAdmins.id, { onDelete: "cascade" }),
    expires: timestamp("expires", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("crm_auth_sessions_user_idx").on(t.userId), index("crm_auth_sessions_expires_idx").on(t.expires)],
);

export const crmAuthVerificationTokens = pgTable(
  "crm_auth_verification_tokens",
  {
    identifier: text("identifier").notNull(),
    token: text("token").notNull(),
    expires: timestamp("expires", { withTimezone: true, mode: "date" }).notNull(),
  },
  // expires: each sign-in request purges the expired links.
  (t) => [primaryKey({ columns: [t.identifier, t.token] }), index("crm_auth_verification_tokens_expires_idx").on(t.expires)],
);
