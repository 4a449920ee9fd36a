import { getDashboardSummary } from "@/server/services/analytics/get-dashboard-summary";
import { router, viewerProcedure } from "../trpc";

export const analyticsRouter = router({
  summary: viewerProcedure.query(({ ctx }) => getDashboardSummary(ctx.db)),
});
