import { tracked } from "@trpc/server";
import { z } from "zod";
import { env } from "@/lib/env";
import { openLiveFeed } from "@/server/services/live/follow-live-feed";
import type { TLiveMessage } from "@/server/services/live/live-feed";
import { router, viewerProcedure } from "../trpc";

async function* withCursors(stream: AsyncGenerator<TLiveMessage>) {
  for await (const m of stream) yield tracked(m.cursor, m);
}

export const liveRouter = router({
  /**
   * Server-sent events: new activity, live counters, sending campaigns.
   * Resumes from `lastEventId` after a reconnect; at most
   * MAX_LIVE_STREAMS_PER_ADMIN open per admin.
   */
  feed: viewerProcedure
    .input(z.object({ lastEventId: z.string().max(40).nullish() }).optional())
    .subscription(({ ctx, input, signal }) =>
      withCursors(
        openLiveFeed({ ctx: ctx.svc, input: { lastEventId: input?.lastEventId, signal, maxStreams: env().MAX_LIVE_STREAMS_PER_ADMIN } }),
      ),
    ),
});
