import { cron } from "inngest";
import { getJobsDb } from "@/server/db";
import { jobs } from "@/server/jobs/registry";
import { listSegmentIds, recomputeSegment } from "@/server/services/segments/recompute-segment";
import { inngest } from "../client";
import { segmentRecomputeRequested, segmentsRecomputeRequested } from "../events";

/**
 * On the schedule (SEGMENTS_RECOMPUTE_CRON) or on request: one event per
 * segment, so each segment recomputes in its own run, with its own retries,
 * never two at once for the same segment.
 */
export const recomputeSegments = inngest.createFunction(
  {
    id: jobs.recomputeSegments.id,
    triggers: [cron(jobs.recomputeSegments.cron), segmentsRecomputeRequested],
    concurrency: { limit: 1 },
  },
  async ({ step }) => {
    const ids = await step.run("list-segments", async () => listSegmentIds(await getJobsDb()));
    if (ids.length === 0) return { requested: 0 };
    await step.sendEvent(
      "fan-out-segment-recomputes",
      ids.map((segmentId) => segmentRecomputeRequested.create({ segmentId, requestedBy: "schedule" })),
    );
    return { requested: ids.length };
  },
);

/** Recomputes one segment: the difference, its history and its count, in one transaction. */
export const recomputeOneSegment = inngest.createFunction(
  {
    id: jobs.recomputeSegment.id,
    triggers: [segmentRecomputeRequested],
    concurrency: { key: "event.data.segmentId", limit: 1 },
    retries: 3,
  },
  async ({ event, step }) => step.run("recompute-segment", async () => recomputeSegment(await getJobsDb(), event.data.segmentId)),
);
