import { cron } from "inngest";
import { getJobsDb } from "@/server/db";
import { jobs } from "@/server/jobs/registry";
import { inngest } from "../client";
import { heartbeatRequested } from "../events";

/** Proves the background path: records its last run, which health shows. */
export const heartbeat = inngest.createFunction(
  {
    id: jobs.heartbeat.id,
    triggers: [cron(jobs.heartbeat.cron), heartbeatRequested],
    concurrency: { limit: 1 },
  },
  async ({ step }) => {
    const row = await step.run("record-heartbeat", async () => {
      const db = await getJobsDb();
      return jobs.heartbeat.run({ db, runner: "inngest", data: {} });
    });
    return row;
  },
);
