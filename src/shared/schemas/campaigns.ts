import { z } from "zod";
import { ZTimezone } from "@/shared/schemas/analytics";
import { PUSH_ICON_MAX, PUSH_URL_MAX } from "@/shared/schemas/push";

const base = {
  name: z.string().trim().min(1, "Name the campaign").max(120, "At most 120 characters"),
  segmentId: z.guid("Choose a segment").nullable().optional(),
  templateId: z.guid().nullable().optional(),
  subject: z.string().trim().max(200, "At most 200 characters").optional(),
  content: z.string().max(20_000, "At most 20,000 characters").optional(),
  /** Push: where a click leads (a path on the main app or an allowed URL) and an optional icon. */
  pushUrl: z.string().trim().max(PUSH_URL_MAX, `At most ${PUSH_URL_MAX} characters`).nullable().optional(),
  pushIcon: z.string().trim().max(PUSH_ICON_MAX, `At most ${PUSH_ICON_MAX} characters`).nullable().optional(),
};

export const ZCreateCampaignInput = z.object({ ...base, type: z.enum(["email", "in_app", "push"]) });
export type TCreateCampaignInput = z.input<typeof ZCreateCampaignInput>;
export const ZUpdateCampaignInput = z.object({ id: z.guid(), ...base, name: base.name.optional() });
export type TUpdateCampaignInput = z.input<typeof ZUpdateCampaignInput>;
export const ZCampaignId = z.object({ id: z.guid("Not a campaign id") });
export const ZScheduleCampaignInput = z.object({
  id: z.guid(),
  /** Local date and time in `timezone`, e.g. 2026-12-01T09:00. */
  localTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "Use a date and time like 2026-12-01T09:00"),
  timezone: ZTimezone,
});

/**
 * Recipient filters: the funnel stage a recipient reached (so a filter's
 * count equals the funnel's number), plus "received, not opened".
 */
export const RECIPIENT_FILTERS = [
  "all",
  "queued",
  "sent",
  "delivered",
  "opened",
  "not_opened",
  "clicked",
  "bounced",
  "complained",
  "failed",
  "unsubscribed",
] as const;
export type TRecipientFilter = (typeof RECIPIENT_FILTERS)[number];
export const RECIPIENT_FILTER_LABELS: Record<TRecipientFilter, string> = {
  all: "All recipients",
  queued: "Not sent yet",
  sent: "Sent",
  delivered: "Delivered",
  opened: "Opened",
  not_opened: "Received, not opened",
  clicked: "Clicked",
  bounced: "Bounced",
  complained: "Complained",
  failed: "Failed",
  unsubscribed: "Unsubscribed",
};
export const ZRecipientsQuery = z.object({
  filter: z.enum(RECIPIENT_FILTERS, "Unknown recipient filter").default("all"),
  /** Part of the user's address or name, case-insensitive. */
  search: z.string().trim().max(200, "At most 200 characters").optional(),
});
export const ZCampaignRecipientsInput = ZRecipientsQuery.extend({
  id: z.guid("Not a campaign id"),
  cursor: z.string().max(600).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type TCampaignRecipientsInput = z.input<typeof ZCampaignRecipientsInput>;
