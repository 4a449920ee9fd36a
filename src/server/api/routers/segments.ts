import { z } from "zod";
import {
  createSegment,
  deleteSegment,
  duplicateSegment,
  getSegment,
  listSegments,
  updateSegment,
} from "@/server/services/segments/manage-segments";
import { previewSegment } from "@/server/services/segments/preview-segment";
import { requestSegmentRecompute } from "@/server/services/segments/request-recompute";
import { ZCreateSegmentInput, ZPreviewSegmentInput, ZSegmentId, ZUpdateSegmentInput } from "@/shared/schemas/segments";
import { adminProcedure, limitHeavyReads, router, viewerProcedure } from "../trpc";

export const segmentsRouter = router({
  list: viewerProcedure.query(({ ctx }) => listSegments({ ctx: ctx.svc, input: undefined })),
  get: viewerProcedure.input(ZSegmentId).query(({ ctx, input }) => getSegment({ ctx: ctx.svc, input })),
  preview: viewerProcedure
    .use(limitHeavyReads)
    .input(ZPreviewSegmentInput)
    .query(({ ctx, input }) => previewSegment({ ctx: ctx.svc, input })),
  create: adminProcedure.input(ZCreateSegmentInput).mutation(({ ctx, input }) => createSegment({ ctx: ctx.svc, input })),
  update: adminProcedure.input(ZUpdateSegmentInput).mutation(({ ctx, input }) => updateSegment({ ctx: ctx.svc, input })),
  delete: adminProcedure.input(ZSegmentId).mutation(({ ctx, input }) => deleteSegment({ ctx: ctx.svc, input })),
  duplicate: adminProcedure.input(ZSegmentId).mutation(({ ctx, input }) => duplicateSegment({ ctx: ctx.svc, input })),
  recompute: adminProcedure
    .input(z.object({ id: z.guid().nullable() }))
    .mutation(({ ctx, input }) => requestSegmentRecompute({ ctx: ctx.svc, input })),
});
