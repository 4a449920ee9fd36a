import { getHealth } from "@/server/services/health/get-health";
import { listJobRuns } from "@/server/services/jobs/job-runs";
import { requestHeartbeat } from "@/server/services/jobs/request-heartbeat";
import { adminProcedure, publicProcedure, router, viewerProcedure } from "../trpc";

export const systemRouter = router({
  /** Public by design, like GET /api/health: modes and reachability, never configuration values. */
  health: publicProcedure.query(({ ctx }) => getHealth({ ctx: ctx.svc, input: { detail: ctx.admin !== null } })),
  jobRuns: viewerProcedure.query(({ ctx }) => listJobRuns({ ctx: ctx.svc, input: undefined })),
  runHeartbeat: adminProcedure.mutation(({ ctx }) => requestHeartbeat({ ctx: ctx.svc, input: undefined })),
});
