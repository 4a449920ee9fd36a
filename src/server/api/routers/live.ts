import { tracked } from "@trpc/server";
import { z } from "zod";
import { followLiveFeed } from "@/server/services/live/follow-live-feed";
import { router, viewerProcedure } from "../trpc";

export const liveRouter = router({
  /** Server-sent events: new activity, live counters, sending campaigns. Resumes from `lastEventId` after a reconnect. */
  feed: viewerProcedure.input(z.object({ lastEventId: z.string().max(40).nullish() }).optional()).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    for await (const m of followLiveFeed(ctx.db, { lastEventId: input?.lastEventId, signal })) yield tracked(m.cursor, m);
  }),
});
