import { getAppStatistics, getOverview, getRetentionCohorts } from "@/server/services/analytics/get-analytics";
import { ZAnalyticsInput, ZRetentionCohortsInput } from "@/server/services/analytics/inputs";
import { getRollupStatus, requestAnalyticsRefresh } from "@/server/services/analytics/request-refresh";
import { adminProcedure, router, viewerProcedure } from "../trpc";

export const analyticsRouter = router({
  overview: viewerProcedure.input(ZAnalyticsInput).query(({ ctx, input }) => getOverview(ctx.db, input)),
  appStatistics: viewerProcedure.input(ZAnalyticsInput).query(({ ctx, input }) => getAppStatistics(ctx.db, input)),
  retentionCohorts: viewerProcedure.input(ZRetentionCohortsInput).query(({ ctx, input }) => getRetentionCohorts(ctx.db, input)),
  rollupStatus: viewerProcedure.query(({ ctx }) => getRollupStatus(ctx.db)),
  refreshNow: adminProcedure.mutation(({ ctx }) => requestAnalyticsRefresh({ db: ctx.db, actor: ctx.admin })),
});
