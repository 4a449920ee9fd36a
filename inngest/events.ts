import { eventType } from "inngest";
import { z } from "zod";

/** Every event the CRM sends, named crm/<noun>.<verb>, with its data schema. */
export const heartbeatRequested = eventType("crm/heartbeat.requested", {
  schema: z.object({ requestedBy: z.string() }),
});

export const analyticsRefreshRequested = eventType("crm/analytics.refresh.requested", {
  schema: z.object({ requestedBy: z.string() }),
});

export const segmentsRecomputeRequested = eventType("crm/segments.recompute.requested", {
  schema: z.object({ requestedBy: z.string() }),
});

export const segmentRecomputeRequested = eventType("crm/segment.recompute.requested", {
  schema: z.object({ segmentId: z.guid(), requestedBy: z.string() }),
});

export const campaignSendRequested = eventType("crm/campaign.send.requested", {
  schema: z.object({ campaignId: z.guid(), requestedBy: z.string() }),
});

export const campaignBatchRequested = eventType("crm/campaign.batch.requested", {
  schema: z.object({ campaignId: z.guid(), batchNo: z.number().int().min(0) }),
});

export const campaignsDueRequested = eventType("crm/campaigns.due.requested", {
  schema: z.object({ requestedBy: z.string() }),
});

export const crmEvents = {
  heartbeatRequested,
  analyticsRefreshRequested,
  segmentsRecomputeRequested,
  segmentRecomputeRequested,
  campaignSendRequested,
  campaignBatchRequested,
  campaignsDueRequested,
} as const;
export type TCrmEventName = (typeof crmEvents)[keyof typeof crmEvents]["name"];
