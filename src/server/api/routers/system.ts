import { getHealth } from "@/server/services/health/get-health";
import { listJobRuns } from "@/server/services/jobs/record-heartbeat";
import { requestHeartbeat } from "@/server/services/jobs/request-heartbeat";
import { adminProcedure, publicProcedure, router, viewerProcedure } from "../trpc";

export const systemRouter = router({
  /** Public by design, like GET /api/health: modes and reachability, never configuration values. */
  health: publicProcedure.query(({ ctx }) => getHealth(ctx.db, { detail: ctx.admin !== null })),
  jobRuns: viewerProcedure.query(({ ctx }) => listJobRuns(ctx.db)),
  runHeartbeat: adminProcedure.mutation(({ ctx }) => requestHeartbeat({ db: ctx.db, actor: ctx.admin })),
});
