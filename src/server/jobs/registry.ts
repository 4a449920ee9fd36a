import { z } from "zod";
import { env } from "@/lib/env";
import type { Db } from "@/server/db/client";
import { refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
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

export const jobs = {
  heartbeat: {
    id: "heartbeat",
    cron: env().HEARTBEAT_CRON,
    event: "crm/heartbeat.requested",
    run: ({ db, runner }) => recordHeartbeat(db, runner),
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
} satisfies Record<string, TJobDefinition>;

export const jobList: TJobDefinition[] = Object.values(jobs);
