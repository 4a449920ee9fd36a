import { eq } from "drizzle-orm";
import { crmAdmins } from "@/server/db/schema";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { NotFoundError } from "../errors";

/** The timezone an admin reads dashboards in: their own preference, so any role may set it. */
export async function setAdminTimezone({ ctx, input }: TServiceArgs<{ timezone: string }, AdminActor>) {
  const { timezone } = input;
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

/** The signed-in admin: who they are and the timezone they read dashboards in. */
export async function getMe({ ctx }: TServiceArgs<void, AdminActor>) {
  const [row] = await ctx.db.select({ timezone: crmAdmins.timezone }).from(crmAdmins).where(eq(crmAdmins.id, ctx.actor.id));
  return { id: ctx.actor.id, email: ctx.actor.email, role: ctx.actor.role, timezone: row?.timezone ?? "UTC" };
}
