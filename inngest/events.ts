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

export const crmEvents = { heartbeatRequested, analyticsRefreshRequested, segmentsRecomputeRequested, segmentRecomputeRequested } as const;
export type TCrmEventName = (typeof crmEvents)[keyof typeof crmEvents]["name"];
