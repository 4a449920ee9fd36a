import { z } from "zod";
import { changeAdminRole, removeAdmin } from "@/server/services/admins/change-admin-role";
import { inviteAdmin } from "@/server/services/admins/invite-admin";
import { listAdmins } from "@/server/services/admins/list-admins";
import { getMe, setAdminTimezone } from "@/server/services/admins/set-admin-timezone";
import { ZChangeAdminRoleInput, ZInviteAdminInput, ZRemoveAdminInput } from "@/shared/schemas/admins";
import { ZTimezone } from "@/shared/schemas/analytics";
import { ownerProcedure, router, viewerProcedure } from "../trpc";

export const adminsRouter = router({
  me: viewerProcedure.query(({ ctx }) => getMe({ ctx: ctx.svc, input: undefined })),
  setTimezone: viewerProcedure
    .input(z.object({ timezone: ZTimezone }))
    .mutation(({ ctx, input }) => setAdminTimezone({ ctx: ctx.svc, input })),
  list: ownerProcedure.query(({ ctx }) => listAdmins({ ctx: ctx.svc, input: undefined })),
  invite: ownerProcedure.input(ZInviteAdminInput).mutation(({ ctx, input }) => inviteAdmin({ ctx: ctx.svc, input })),
  changeRole: ownerProcedure.input(ZChangeAdminRoleInput).mutation(({ ctx, input }) => changeAdminRole({ ctx: ctx.svc, input })),
  remove: ownerProcedure.input(ZRemoveAdminInput).mutation(({ ctx, input }) => removeAdmin({ ctx: ctx.svc, input })),
});
