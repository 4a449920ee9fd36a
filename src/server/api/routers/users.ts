import { countUsers } from "@/server/services/users/count-users";
import { getUserProfile } from "@/server/services/users/get-user-profile";
import { getUserTimeline } from "@/server/services/users/get-user-timeline";
import { listUsers } from "@/server/services/users/list-users";
import { createSavedView, deleteSavedView, listSavedViews } from "@/server/services/users/saved-views";
import {
  ZCountUsersInput,
  ZCreateSavedViewInput,
  ZDeleteSavedViewInput,
  ZListUsersInput,
  ZSuggestTagsInput,
  ZTimelineInput,
  ZUpdateUserMetadataInput,
  ZUserId,
} from "@/server/services/users/schemas";
import { listPlans, suggestTags } from "@/server/services/users/suggest-tags";
import { updateUserMetadata } from "@/server/services/users/update-user-metadata";
import { adminProcedure, limitHeavyReads, router, viewerProcedure } from "../trpc";

export const usersRouter = router({
  list: viewerProcedure.input(ZListUsersInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
  count: viewerProcedure
    .use(limitHeavyReads)
    .input(ZCountUsersInput)
    .query(({ ctx, input }) => countUsers(ctx.db, input)),
  get: viewerProcedure.input(ZUserId).query(({ ctx, input }) => getUserProfile(ctx.db, input.userId)),
  timeline: viewerProcedure.input(ZTimelineInput).query(({ ctx, input }) => getUserTimeline(ctx.db, input)),
  suggestTags: viewerProcedure.input(ZSuggestTagsInput).query(({ ctx, input }) => suggestTags(ctx.db, input)),
  plans: viewerProcedure.query(({ ctx }) => listPlans(ctx.db)),
  updateMetadata: adminProcedure
    .input(ZUpdateUserMetadataInput)
    .mutation(({ ctx, input }) => updateUserMetadata({ db: ctx.db, actor: ctx.admin }, input)),
  savedViews: router({
    list: viewerProcedure.query(({ ctx }) => listSavedViews({ db: ctx.db, actor: ctx.admin })),
    create: viewerProcedure
      .input(ZCreateSavedViewInput)
      .mutation(({ ctx, input }) => createSavedView({ db: ctx.db, actor: ctx.admin }, input)),
    delete: viewerProcedure
      .input(ZDeleteSavedViewInput)
      .mutation(({ ctx, input }) => deleteSavedView({ db: ctx.db, actor: ctx.admin }, input)),
  }),
});
