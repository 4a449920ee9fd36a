import { and, asc, eq } from "drizzle-orm";
import type { z } from "zod";
import { parseUsersQuery, usersQueryString } from "@/lib/users-query";
import type { Db } from "@/server/db/client";
import { crmSavedViews } from "@/server/db/schema";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, ServiceCtx } from "../context";
import { ConflictError, NotFoundError } from "../errors";
import type { ZCreateSavedViewInput, ZDeleteSavedViewInput } from "./schemas";

/** The signed-in admin's saved views of the users list, by name. */
export async function listSavedViews(ctx: ServiceCtx<AdminActor>) {
  return ctx.db
    .select({ id: crmSavedViews.id, name: crmSavedViews.name, query: crmSavedViews.query })
    .from(crmSavedViews)
    .where(eq(crmSavedViews.adminId, ctx.actor.id))
    .orderBy(asc(crmSavedViews.name));
}

/** Saves the current list view. The query is normalised, so only filters the list understands are kept. */
export async function createSavedView(ctx: ServiceCtx<AdminActor> & { db: Db }, input: z.output<typeof ZCreateSavedViewInput>) {
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

export async function deleteSavedView(ctx: ServiceCtx<AdminActor> & { db: Db }, input: z.output<typeof ZDeleteSavedViewInput>) {
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
