import { z } from "zod";
import { jobsMode } from "@/lib/env";
import { jobDefinitions } from "@/server/jobs/definitions";
import { NotFoundError } from "@/server/services/errors";
import { getHealth } from "@/server/services/health/get-health";
import { jobOverview, requestJobRun, type TJobInfo } from "@/server/services/jobs/job-overview";
import { listJobRuns } from "@/server/services/jobs/job-runs";
import { requestHeartbeat } from "@/server/services/jobs/request-heartbeat";
import { adminProcedure, publicProcedure, router, viewerProcedure } from "../trpc";

/** The jobs an admin watches (those that record their runs); the scheduled ones can be run by hand. */
const watchedJobs = (): TJobInfo[] =>
  jobDefinitions
    .filter((d) => d.recordRuns)
    .map((d) => ({ id: d.id, event: d.event, schedule: d.cron?.() ?? null, runnable: Boolean(d.cron) }));

export const systemRouter = router({
  /** Public by design, like GET /api/health: modes and reachability, never configuration values. */
  health: publicProcedure.query(({ ctx }) => getHealth({ ctx: ctx.svc, input: { detail: ctx.admin !== null } })),
  jobRuns: viewerProcedure.query(({ ctx }) => listJobRuns({ ctx: ctx.svc, input: undefined })),
  runHeartbeat: adminProcedure.mutation(({ ctx }) => requestHeartbeat({ ctx: ctx.svc, input: undefined })),
  /** The Jobs page: every watched job's last run, and the in-process queue. */
  jobs: viewerProcedure.query(async ({ ctx }) => ({
    mode: jobsMode(),
    ...(await jobOverview({ ctx: ctx.svc, input: { jobs: watchedJobs() } })),
  })),
  runJob: adminProcedure.input(z.object({ jobId: z.string().max(100) })).mutation(({ ctx, input }) => {
    const job = watchedJobs().find((j) => j.id === input.jobId);
    if (!job) throw new NotFoundError("No such job");
    return requestJobRun({ ctx: ctx.svc, input: { job } });
  }),
});
