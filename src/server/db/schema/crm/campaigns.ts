import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { crmAdmins } from "./auth";
import { crmUserSegments } from "./segments";

export const CAMPAIGN_TYPES = ["email", "push", "in_app"] as const;
export const CAMPAIGN_STATUSES = ["draft", "scheduled", "sending", "sent", "paused", "canceled", "failed"] as const;
export const TRACKING_STATUSES = ["sent", "delivered", "opened", "clicked", "bounced"] as const;

/** Communication campaigns (seed: crm_campaigns). */
export const crmCampaigns = pgTable(
  "crm_campaigns",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    type: text("type").$type<(typeof CAMPAIGN_TYPES)[number]>().notNull(),
    subject: text("subject"),
    content: text("content").notNull(),
    segmentId: uuid("segment_id").references(() => crmUserSegments.id),
    status: text("status").$type<(typeof CAMPAIGN_STATUSES)[number]>().notNull().default("draft"),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    createdById: uuid("created_by_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("crm_campaigns_segment_idx").on(t.segmentId),
    index("crm_campaigns_status_idx").on(t.status),
    index("crm_campaigns_created_by_idx").on(t.createdById),
    check("crm_campaigns_type_check", sql`${t.type} IN ('email', 'push', 'in_app')`),
    check("crm_campaigns_status_check", sql`${t.status} IN ('draft', 'scheduled', 'sending', 'sent', 'paused', 'canceled', 'failed')`),
  ],
);

/**
 * Campaign tracking (seed: crm_campaign_tracking). user_id is the main app's
 * user id: no foreign key, the main app owns those rows.
 */
export const crmCampaignTracking = pgTable(
  "crm_campaign_tracking",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => crmCampaigns.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull(),
    status: text("status").$type<(typeof TRACKING_STATUSES)[number]>().notNull(),
    timestamp: timestamp("timestamp", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("crm_campaign_tracking_campaign_status_idx").on(t.campaignId, t.status),
    index("crm_campaign_tracking_user_idx").on(t.userId),
    check("crm_campaign_tracking_status_check", sql`${t.status} IN ('sent', 'delivered', 'opened', 'clicked', 'bounced')`),
  ],
);
