import { crmAdmins } from "@/server/db/schema";
import type { TInviteAdminInput } from "@/shared/schemas/admins";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { ConflictError } from "../errors";

/** Invites an address: only invited addresses can sign in. */
export async function inviteAdmin({ ctx, input }: TServiceArgs<TInviteAdminInput, AdminActor>) {
  return ctx.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(crmAdmins)
      .values({
        email: input.email,
        name: input.name || null,
        role: input.role,
        invitedById: ctx.actor.id,
      })
      .onConflictDoNothing()
      .returning({ id: crmAdmins.id, email: crmAdmins.email, role: crmAdmins.role, name: crmAdmins.name });
    if (!created) throw new ConflictError(`${input.email} is already an admin`);
    await writeAuditLog(tx, ctx.actor, { action: "admin.invited", targetType: "admin", targetId: created.id, after: created });
    return created;
  });
}
