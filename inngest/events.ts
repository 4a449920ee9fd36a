import { eventType } from "inngest";
import { z } from "zod";

/** Every event the CRM sends, named crm/<noun>.<verb>, with its data schema. */
export const heartbeatRequested = eventType("crm/heartbeat.requested", {
  schema: z.object({ requestedBy: z.string() }),
});

export const analyticsRefreshRequested = eventType("crm/analytics.refresh.requested", {
  schema: z.object({ requestedBy: z.string() }),
});

export const crmEvents = { heartbeatRequested, analyticsRefreshRequested } as const;
export type TCrmEventName = (typeof crmEvents)[keyof typeof crmEvents]["name"];
