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
import { ZCreateSegmentInput, ZPreviewSegmentInput, ZSegmentId, ZUpdateSegmentInput } from "@/server/services/segments/schemas";
import { adminProcedure, limitHeavyReads, router, viewerProcedure } from "../trpc";

export const segmentsRouter = router({
  list: viewerProcedure.query(({ ctx }) => listSegments(ctx.db)),
  get: viewerProcedure.input(ZSegmentId).query(({ ctx, input }) => getSegment(ctx.db, input.id)),
  preview: viewerProcedure
    .use(limitHeavyReads)
    .input(ZPreviewSegmentInput)
    .query(({ ctx, input }) => previewSegment(ctx.db, input)),
  create: adminProcedure.input(ZCreateSegmentInput).mutation(({ ctx, input }) => createSegment({ db: ctx.db, actor: ctx.admin }, input)),
  update: adminProcedure.input(ZUpdateSegmentInput).mutation(({ ctx, input }) => updateSegment({ db: ctx.db, actor: ctx.admin }, input)),
  delete: adminProcedure.input(ZSegmentId).mutation(({ ctx, input }) => deleteSegment({ db: ctx.db, actor: ctx.admin }, input.id)),
  duplicate: adminProcedure.input(ZSegmentId).mutation(({ ctx, input }) => duplicateSegment({ db: ctx.db, actor: ctx.admin }, input.id)),
  recompute: adminProcedure
    .input(z.object({ id: z.guid().nullable() }))
    .mutation(({ ctx, input }) => requestSegmentRecompute({ db: ctx.db, actor: ctx.admin }, input.id)),
});
