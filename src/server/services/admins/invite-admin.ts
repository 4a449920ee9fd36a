import type { Db } from "@/server/db/client";
import { crmAdmins } from "@/server/db/schema";
import { writeAuditLog } from "../audit/write-audit-log";
import type { ServiceCtx } from "../context";
import { ConflictError } from "../errors";
import type { TInviteAdminInput } from "./schemas";

/** Invites an address: only invited addresses can sign in. */
export async function inviteAdmin(ctx: ServiceCtx & { db: Db }, input: TInviteAdminInput) {
  return ctx.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(crmAdmins)
      .values({
        email: input.email,
        name: input.name || null,
        role: input.role,
        invitedById: ctx.actor.type === "admin" ? ctx.actor.id : null,
      })
      .onConflictDoNothing()
      .returning({ id: crmAdmins.id, email: crmAdmins.email, role: crmAdmins.role, name: crmAdmins.name });
    if (!created) throw new ConflictError(`${input.email} is already an admin`);
    await writeAuditLog(tx, ctx.actor, { action: "admin.invited", targetType: "admin", targetId: created.id, after: created });
    return created;
  });
}
