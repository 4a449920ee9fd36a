import { and, asc, eq } from "drizzle-orm";
import type { z } from "zod";
import { crmSavedViews } from "@/server/db/schema";
import type { ZCreateSavedViewInput, ZDeleteSavedViewInput } from "@/shared/schemas/users";
import { parseUsersQuery, usersQueryString } from "@/shared/users-query";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { ConflictError, NotFoundError } from "../errors";

/** The signed-in admin's saved views of the users list, by name. */
export async function listSavedViews({ ctx }: TServiceArgs<void, AdminActor>) {
  return ctx.db
    .select({ id: crmSavedViews.id, name: crmSavedViews.name, query: crmSavedViews.query })
    .from(crmSavedViews)
    .where(eq(crmSavedViews.adminId, ctx.actor.id))
    .orderBy(asc(crmSavedViews.name));
}

/** Saves the current list view. The query is normalised, so only filters the list understands are kept. */
export async function createSavedView({ ctx, input }: TServiceArgs<z.output<typeof ZCreateSavedViewInput>, AdminActor>) {
  const { filters, sort } = parseUsersQuery(new URLSearchParams(input.query));
  const query = usersQueryString(filters, sort);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(crmSavedViews)
      .values({ adminId: ctx.actor.id, name: input.name, query })
      .onConflictDoNothing()
      .returning({ id: crmSavedViews.id, name: crmSavedViews.name, query: crmSavedViews.query });
    if (!row) throw new ConflictError(`You already have a view named “${input.name}”: pick another name or delete that one first`);
    await writeAuditLog(tx, ctx.actor, { action: "saved_view.created", targetType: "saved_view", targetId: row.id, after: row });
    return row;
  });
}

export async function deleteSavedView({ ctx, input }: TServiceArgs<z.output<typeof ZDeleteSavedViewInput>, AdminActor>) {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(crmSavedViews)
      .where(and(eq(crmSavedViews.id, input.id), eq(crmSavedViews.adminId, ctx.actor.id)))
      .returning({ id: crmSavedViews.id, name: crmSavedViews.name, query: crmSavedViews.query });
    if (!row) throw new NotFoundError("That saved view no longer exists");
    await writeAuditLog(tx, ctx.actor, { action: "saved_view.deleted", targetType: "saved_view", targetId: row.id, before: row });
    return { id: row.id };
  });
}
