import { deliverCampaign, deliverCampaignBatch, startDueCampaignsFn } from "./deliver-campaign";
import { heartbeat } from "./heartbeat";
import { recomputeOneSegment, recomputeSegments } from "./recompute-segments";
import { refreshAnalytics } from "./refresh-analytics";

/** Every Inngest function, served at /api/inngest. */
export const functions = [
  heartbeat,
  refreshAnalytics,
  recomputeSegments,
  recomputeOneSegment,
  deliverCampaign,
  deliverCampaignBatch,
  startDueCampaignsFn,
];
