import { getAppStatistics, getOverview, getRetentionCohorts } from "@/server/services/analytics/get-analytics";
import { getRollupStatus, requestAnalyticsRefresh } from "@/server/services/analytics/request-refresh";
import { ZAnalyticsInput, ZRetentionCohortsInput } from "@/shared/schemas/analytics";
import { adminProcedure, router, viewerProcedure } from "../trpc";

export const analyticsRouter = router({
  overview: viewerProcedure.input(ZAnalyticsInput).query(({ ctx, input }) => getOverview({ ctx: ctx.svc, input })),
  appStatistics: viewerProcedure.input(ZAnalyticsInput).query(({ ctx, input }) => getAppStatistics({ ctx: ctx.svc, input })),
  retentionCohorts: viewerProcedure.input(ZRetentionCohortsInput).query(({ ctx, input }) => getRetentionCohorts({ ctx: ctx.svc, input })),
  rollupStatus: viewerProcedure.query(({ ctx }) => getRollupStatus({ ctx: ctx.svc, input: undefined })),
  refreshNow: adminProcedure.mutation(({ ctx }) => requestAnalyticsRefresh({ ctx: ctx.svc, input: undefined })),
});
