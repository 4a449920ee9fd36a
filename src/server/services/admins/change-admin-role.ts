import { and, eq, ne, sql } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmAdmins } from "@/server/db/schema";
import type { TChangeAdminRoleInput, TRemoveAdminInput } from "@/shared/schemas/admins";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { ConflictError, NotFoundError } from "../errors";

/** Locks the admin rows so two owners demoting each other cannot leave none. */
async function lockAdmin(tx: DbOrTx, adminId: string) {
  const [row] = await tx.select().from(crmAdmins).where(eq(crmAdmins.id, adminId)).for("update");
  if (!row) throw new NotFoundError("That admin no longer exists");
  return row;
}

async function otherOwnerCount(tx: DbOrTx, adminId: string) {
  const rows = await tx
    .select({ id: crmAdmins.id })
    .from(crmAdmins)
    .where(and(eq(crmAdmins.role, "owner"), ne(crmAdmins.id, adminId)))
    .for("update");
  return rows.length;
}

export async function changeAdminRole({ ctx, input }: TServiceArgs<TChangeAdminRoleInput, AdminActor>) {
  return ctx.db.transaction(async (tx) => {
    const before = await lockAdmin(tx, input.adminId);
    if (before.role === input.role) return { id: before.id, email: before.email, role: before.role };
    if (before.role === "owner" && (await otherOwnerCount(tx, before.id)) === 0) {
      throw new ConflictError("The CRM needs at least one owner: make another admin an owner first");
    }
    const [after] = await tx
      .update(crmAdmins)
      .set({ role: input.role })
      .where(eq(crmAdmins.id, input.adminId))
      .returning({ id: crmAdmins.id, email: crmAdmins.email, role: crmAdmins.role });
    await writeAuditLog(tx, ctx.actor, {
      action: "admin.role_changed",
      targetType: "admin",
      targetId: before.id,
      before: { role: before.role },
      after: { role: input.role },
    });
    return after ?? { id: before.id, email: before.email, role: input.role };
  });
}

export async function removeAdmin({ ctx, input }: TServiceArgs<TRemoveAdminInput, AdminActor>) {
  return ctx.db.transaction(async (tx) => {
    const before = await lockAdmin(tx, input.adminId);
    if (before.role === "owner" && (await otherOwnerCount(tx, before.id)) === 0) {
      throw new ConflictError("You cannot remove the last owner");
    }
    await tx.delete(crmAdmins).where(eq(crmAdmins.id, input.adminId));
    await writeAuditLog(tx, ctx.actor, {
      action: "admin.removed",
      targetType: "admin",
      targetId: before.id,
      before: { email: before.email, role: before.role },
    });
    return { id: before.id, email: before.email };
  });
}

/** Counts owners; used by health and the bootstrap. */
export async function countOwners(db: DbOrTx) {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(crmAdmins).where(eq(crmAdmins.role, "owner"));
  return row?.n ?? 0;
}
