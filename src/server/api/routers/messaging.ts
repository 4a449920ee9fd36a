import { z } from "zod";
import { emailMode } from "@/lib/env";
import { getOutboxEmail, listOutbox } from "@/server/email/local-outbox-provider";
import { NotFoundError } from "@/server/services/errors";
import { router, viewerProcedure } from "../trpc";

export const messagingRouter = router({
  outbox: router({
    /** The local outbox (empty when a real provider is configured). */
    list: viewerProcedure.query(async ({ ctx }) => ({ mode: emailMode(), items: await listOutbox(ctx.db) })),
    get: viewerProcedure.input(z.object({ id: z.uuid() })).query(async ({ ctx, input }) => {
      const row = await getOutboxEmail(ctx.db, input.id);
      if (!row) throw new NotFoundError("That email is not in the outbox");
      return row;
    }),
  }),
});
