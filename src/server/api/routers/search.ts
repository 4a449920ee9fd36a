import { findAnything, ZFindAnythingInput } from "@/server/services/search/find-anything";
import { router, viewerProcedure } from "../trpc";

export const searchRouter = router({
  /** The command palette (⌘K): users by id, email or name; segments, campaigns and templates by name. */
  anything: viewerProcedure.input(ZFindAnythingInput).query(({ ctx, input }) => findAnything({ ctx: ctx.svc, input })),
});
