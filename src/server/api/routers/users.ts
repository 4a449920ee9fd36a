import { listUsers } from "@/server/services/users/list-users";
import { ZListUsersInput } from "@/server/services/users/schemas";
import { router, viewerProcedure } from "../trpc";

export const usersRouter = router({
  list: viewerProcedure.input(ZListUsersInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
});
