import { z } from "zod";
import { changeAdminRole, removeAdmin } from "@/server/services/admins/change-admin-role";
import { inviteAdmin } from "@/server/services/admins/invite-admin";
import { listAdmins } from "@/server/services/admins/list-admins";
import { ZChangeAdminRoleInput, ZInviteAdminInput, ZRemoveAdminInput } from "@/server/services/admins/schemas";
import { getAdminTimezone, setAdminTimezone } from "@/server/services/admins/set-admin-timezone";
import { ZTimezone } from "@/server/services/analytics/inputs";
import { ownerProcedure, router, viewerProcedure } from "../trpc";

export const adminsRouter = router({
  me: viewerProcedure.query(async ({ ctx }) => ({
    id: ctx.admin.id,
    email: ctx.admin.email,
    role: ctx.admin.role,
    timezone: await getAdminTimezone(ctx.db, ctx.admin.id),
  })),
  setTimezone: viewerProcedure
    .input(z.object({ timezone: ZTimezone }))
    .mutation(({ ctx, input }) => setAdminTimezone({ db: ctx.db, actor: ctx.admin }, input.timezone)),
  list: ownerProcedure.query(({ ctx }) => listAdmins(ctx.db)),
  invite: ownerProcedure.input(ZInviteAdminInput).mutation(({ ctx, input }) => inviteAdmin({ db: ctx.db, actor: ctx.admin }, input)),
  changeRole: ownerProcedure
    .input(ZChangeAdminRoleInput)
    .mutation(({ ctx, input }) => changeAdminRole({ db: ctx.db, actor: ctx.admin }, input)),
  remove: ownerProcedure.input(ZRemoveAdminInput).mutation(({ ctx, input }) => removeAdmin({ db: ctx.db, actor: ctx.admin }, input)),
});
