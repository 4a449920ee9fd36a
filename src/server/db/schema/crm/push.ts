import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { PUSH_DELIVERY_STATUSES } from "@/shared/enums";
import { crmCampaigns, crmCampaignTracking } from "./campaigns";
import { inList } from "./in-list";
import { crmMessages } from "./messages";

/**
 * The main app's users' browsers that accepted Web Push: one row per
 * PushSubscription endpoint (a browser profile on a device). user_id is the
 * main app's user id (no FK). The endpoint is unique: the same browser
 * subscribing again, or for another user who signed in on it, updates the row.
 */
export const crmPushSubscriptions = pgTable(
  "crm_push_subscriptions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull(),
    endpoint: text("endpoint").notNull(),
    /** The subscriber's P-256 public key and auth secret (base64url), for RFC 8291 payload encryption. */
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    userAgent: text("user_agent"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    lastSuccessAt: timestamp("last_success_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("crm_push_subscriptions_endpoint_idx").on(t.endpoint), index("crm_push_subscriptions_user_idx").on(t.userId)],
);

/**
 * One push to one device: a campaign recipient's device (tracking_id) or a
 * one-on-one push message's (message_id). The per-device outcome; the
 * per-user outcome stays on crm_campaign_tracking / crm_messages.
 * subscription_id goes null when the subscription is removed (gone).
 */
export const crmPushDeliveries = pgTable(
  "crm_push_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull(),
    campaignId: uuid("campaign_id").references(() => crmCampaigns.id, { onDelete: "cascade" }),
    trackingId: uuid("tracking_id").references(() => crmCampaignTracking.id, { onDelete: "cascade" }),
    messageId: uuid("message_id").references(() => crmMessages.id, { onDelete: "cascade" }),
    subscriptionId: uuid("subscription_id").references(() => crmPushSubscriptions.id, { onDelete: "set null" }),
    /** The push service's host (fcm.googleapis.com, …), kept for the report after the subscription is gone. */
    pushService: text("push_service").notNull(),
    status: text("status").$type<(typeof PUSH_DELIVERY_STATUSES)[number]>().notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    statusCode: integer("status_code"),
    error: text("error"),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    firstClickedAt: timestamp("first_clicked_at", { withTimezone: true }),
    clickCount: integer("click_count").notNull().default(0),
  },
  (t) => [
    uniqueIndex("crm_push_deliveries_tracking_subscription_idx").on(t.trackingId, t.subscriptionId),
    index("crm_push_deliveries_campaign_status_idx").on(t.campaignId, t.status),
    index("crm_push_deliveries_message_idx").on(t.messageId),
    index("crm_push_deliveries_subscription_idx").on(t.subscriptionId),
    check("crm_push_deliveries_status_check", sql`${t.status} IN (${inList(PUSH_DELIVERY_STATUSES)})`),
    check("crm_push_deliveries_owner_check", sql`(${t.trackingId} IS NULL) <> (${t.messageId} IS NULL)`),
  ],
);
