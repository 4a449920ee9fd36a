import { listSegments } from "@/server/services/segments/list-segments";
import { router, viewerProcedure } from "../trpc";

export const segmentsRouter = router({
  list: viewerProcedure.query(({ ctx }) => listSegments(ctx.db)),
});
