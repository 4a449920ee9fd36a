import { eq } from "drizzle-orm";
import type { Db } from "@/server/db/client";
import { crmAdmins } from "@/server/db/schema";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor } from "../context";
import { NotFoundError } from "../errors";

/** The timezone an admin reads dashboards in: their own preference, so any role may set it. */
export async function setAdminTimezone(ctx: { db: Db; actor: AdminActor }, timezone: string) {
  return ctx.db.transaction(async (tx) => {
    const [before] = await tx.select({ timezone: crmAdmins.timezone }).from(crmAdmins).where(eq(crmAdmins.id, ctx.actor.id)).for("update");
    if (!before) throw new NotFoundError("Your admin account no longer exists");
    await tx.update(crmAdmins).set({ timezone }).where(eq(crmAdmins.id, ctx.actor.id));
    await writeAuditLog(tx, ctx.actor, {
      action: "admin.timezone_changed",
      targetType: "admin",
      targetId: ctx.actor.id,
      before,
      after: { timezone },
    });
    return { timezone };
  });
}

export async function getAdminTimezone(db: Db, adminId: string) {
  const [row] = await db.select({ timezone: crmAdmins.timezone }).from(crmAdmins).where(eq(crmAdmins.id, adminId));
  return row?.timezone ?? "UTC";
}
