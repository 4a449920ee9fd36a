import { cron } from "inngest";
import { getJobsDb } from "@/server/db";
import { jobs } from "@/server/jobs/registry";
import { refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { recordJobRun } from "@/server/services/jobs/record-heartbeat";
import { inngest } from "../client";
import { analyticsRefreshRequested } from "../events";

/**
 * Moves the analytics rollups forward. Each step applies a bounded number of
 * batches (a step must finish well inside a request's time limit); the run
 * loops until caught up, at most 50 steps, and the next cron run continues.
 */
export const refreshAnalytics = inngest.createFunction(
  {
    id: jobs.refreshAnalytics.id,
    triggers: [cron(jobs.refreshAnalytics.cron), analyticsRefreshRequested],
    concurrency: { limit: 1 },
  },
  async ({ step }) => {
    let rows = 0;
    for (let i = 0; i < 50; i++) {
      const result = await step.run(`refresh-batches-${i}`, async () => {
        const db = await getJobsDb();
        return recordJobRun(db, jobs.refreshAnalytics.id, "inngest", () => refreshAnalyticsRollups(db, { maxBatches: 4 }));
      });
      rows += result.rows;
      if (result.caughtUp || result.skipped) return { rows, caughtUp: result.caughtUp, steps: i + 1 };
    }
    return { rows, caughtUp: false, steps: 50 };
  },
);
