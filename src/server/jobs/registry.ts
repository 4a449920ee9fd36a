import { z } from "zod";
import { env } from "@/lib/env";
import type { Db } from "@/server/db/client";
import { refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { runCampaignDelivery } from "@/server/services/campaigns/deliver-campaign";
import { startDueCampaigns } from "@/server/services/campaigns/send-campaign";
import { systemActor } from "@/server/services/context";
import { purgeExpired } from "@/server/services/jobs/purge-expired";
import { recordHeartbeat, recordJobRun } from "@/server/services/jobs/record-heartbeat";
import { recomputeAllSegments, recomputeSegment } from "@/server/services/segments/recompute-segment";

export type TJobRunner = "inngest" | "in-process";

/**
 * Every background job once: its schedule, the event that runs it now, and
 * the service it calls. The Inngest functions (inngest/functions/) and the
 * in-process runner are both built from this list, so the two modes do the
 * same work.
 */
export type TJobDefinition = {
  id: string;
  cron?: string;
  event: string;
  run: (args: { db: Db; runner: TJobRunner; data: Record<string, unknown> }) => Promise<unknown>;
  /** Runs with the same key never overlap (default: the job id, one run at a time). */
  concurrencyKey?: (data: Record<string, unknown>) => string;
};

const ZSegmentEventData = z.object({ segmentId: z.guid() });
const ZCampaignEventData = z.object({ campaignId: z.guid() });

export const jobs = {
  heartbeat: {
    id: "heartbeat",
    cron: env().HEARTBEAT_CRON,
    event: "crm/heartbeat.requested",
    run: async ({ db, runner }) => {
      await purgeExpired(db);
      return recordHeartbeat(db, runner);
    },
  },
  refreshAnalytics: {
    id: "refresh-analytics",
    cron: env().ANALYTICS_REFRESH_CRON,
    event: "crm/analytics.refresh.requested",
    run: ({ db, runner }) => recordJobRun(db, "refresh-analytics", runner, () => refreshAnalyticsRollups(db)),
  },
  recomputeSegments: {
    id: "recompute-segments",
    cron: env().SEGMENTS_RECOMPUTE_CRON,
    event: "crm/segments.recompute.requested",
    run: ({ db, runner }) => recordJobRun(db, "recompute-segments", runner, () => recomputeAllSegments(db)),
  },
  recomputeSegment: {
    id: "recompute-segment",
    event: "crm/segment.recompute.requested",
    run: ({ db, data }) => recomputeSegment(db, ZSegmentEventData.parse(data).segmentId),
    concurrencyKey: (data) => `recompute-segment:${String(data.segmentId)}`,
  },
  deliverCampaign: {
    id: "deliver-campaign",
    event: "crm/campaign.send.requested",
    run: ({ db, data }) => runCampaignDelivery(db, ZCampaignEventData.parse(data).campaignId),
    concurrencyKey: (data) => `deliver-campaign:${String(data.campaignId)}`,
  },
  startDueCampaigns: {
    id: "start-due-campaigns",
    cron: "* * * * *",
    event: "crm/campaigns.due.requested",
    run: async ({ db, runner }) =>
      recordJobRun(db, "start-due-campaigns", runner, async () => {
        const result = await startDueCampaigns(db, systemActor("start-due-campaigns"));
        // In this process, delivery follows at once; with Inngest the function fans out events instead.
        for (const id of result.started) await runCampaignDelivery(db, id);
        return result;
      }),
  },
} satisfies Record<string, TJobDefinition>;

export const jobList: TJobDefinition[] = Object.values(jobs);
