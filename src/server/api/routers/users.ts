import { countUsers } from "@/server/services/users/count-users";
import { getUserEmailHistory } from "@/server/services/users/get-user-email-history";
import { getUserProfile } from "@/server/services/users/get-user-profile";
import { getUserTimeline } from "@/server/services/users/get-user-timeline";
import { listUsers } from "@/server/services/users/list-users";
import { createSavedView, deleteSavedView, listSavedViews } from "@/server/services/users/saved-views";
import { listPlans, suggestTags } from "@/server/services/users/suggest-tags";
import { updateUserMetadata } from "@/server/services/users/update-user-metadata";
import {
  ZCountUsersInput,
  ZCreateSavedViewInput,
  ZDeleteSavedViewInput,
  ZListUsersInput,
  ZSuggestTagsInput,
  ZTimelineInput,
  ZUpdateUserMetadataInput,
  ZUserId,
} from "@/shared/schemas/users";
import { adminProcedure, limitHeavyReads, router, viewerProcedure } from "../trpc";

export const usersRouter = router({
  list: viewerProcedure.input(ZListUsersInput).query(({ ctx, input }) => listUsers({ ctx: ctx.svc, input })),
  count: viewerProcedure
    .use(limitHeavyReads)
    .input(ZCountUsersInput)
    .query(({ ctx, input }) => countUsers({ ctx: ctx.svc, input })),
  get: viewerProcedure.input(ZUserId).query(({ ctx, input }) => getUserProfile({ ctx: ctx.svc, input })),
  timeline: viewerProcedure.input(ZTimelineInput).query(({ ctx, input }) => getUserTimeline({ ctx: ctx.svc, input })),
  /** Campaigns and emails the user got, with their outcome. */
  emailHistory: viewerProcedure.input(ZUserId).query(({ ctx, input }) => getUserEmailHistory({ ctx: ctx.svc, input })),
  suggestTags: viewerProcedure.input(ZSuggestTagsInput).query(({ ctx, input }) => suggestTags({ ctx: ctx.svc, input })),
  plans: viewerProcedure.query(({ ctx }) => listPlans({ ctx: ctx.svc, input: undefined })),
  updateMetadata: adminProcedure.input(ZUpdateUserMetadataInput).mutation(({ ctx, input }) => updateUserMetadata({ ctx: ctx.svc, input })),
  savedViews: router({
    list: viewerProcedure.query(({ ctx }) => listSavedViews({ ctx: ctx.svc, input: undefined })),
    create: viewerProcedure.input(ZCreateSavedViewInput).mutation(({ ctx, input }) => createSavedView({ ctx: ctx.svc, input })),
    delete: viewerProcedure.input(ZDeleteSavedViewInput).mutation(({ ctx, input }) => deleteSavedView({ ctx: ctx.svc, input })),
  }),
});
