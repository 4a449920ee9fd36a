/*
 * Every value set the CRM uses, declared once. Browser-safe: the database
 * schema, the zod input schemas, the criteria language and the UI all import
 * them from here.
 */

export const ADMIN_ROLES = ["owner", "admin", "viewer"] as const;
export type TAdminRole = (typeof ADMIN_ROLES)[number];

export const PRIORITIES = ["low", "medium", "high", "vip"] as const;
export type TPriority = (typeof PRIORITIES)[number];

/** A user's latest subscription status; "none" when they never subscribed. */
export const SUBSCRIPTION_STATUSES = ["none", "trialing", "active", "past_due", "canceled"] as const;
export type TSubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const MESSAGE_DIRECTIONS = ["outbound", "inbound"] as const;
export const MESSAGE_CHANNELS = ["email", "in_app", "push"] as const;
export const MESSAGE_STATUSES = ["queued", "sent", "delivered", "read", "failed"] as const;
export type TMessageChannel = (typeof MESSAGE_CHANNELS)[number];

export const CAMPAIGN_TYPES = ["email", "push", "in_app"] as const;
export type TCampaignType = (typeof CAMPAIGN_TYPES)[number];
export const CAMPAIGN_STATUSES = ["draft", "scheduled", "sending", "sent", "paused", "canceled", "failed"] as const;
export type TCampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
/**
 * One push to one device: queued; accepted by the push service (201); gone (404/410: the
 * subscription was removed); failed (refused for good, e.g. 400/403/413, or retries ran out).
 */
export const PUSH_DELIVERY_STATUSES = ["queued", "accepted", "gone", "failed"] as const;
export type TPushDeliveryStatus = (typeof PUSH_DELIVERY_STATUSES)[number];
export const TRACKING_STATUSES = ["queued", "sent", "failed", "delivered", "opened", "clicked", "bounced", "complained"] as const;

/** provider: the email provider reported the address on its own suppression list (Resend's email.suppressed). */
export const SUPPRESSION_REASONS = ["unsubscribed", "bounced", "complained", "manual", "provider"] as const;
export type TSuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** Why an email reply was kept out of a thread: sent from another address than the thread's user's, or to an address that names no thread. */
export const INBOUND_QUARANTINE_REASONS = ["sender_mismatch", "unknown_address"] as const;

export const TEMPLATE_STATUSES = ["active", "archived"] as const;

export const ACTOR_TYPES = ["admin", "system", "webhook"] as const;
export type TActorType = (typeof ACTOR_TYPES)[number];

export const TIMELINE_KINDS = ["session", "event", "payment", "subscription", "edit", "message", "campaign", "segment"] as const;
export type TTimelineKind = (typeof TIMELINE_KINDS)[number];
