import { desc, eq, ilike, inArray } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/server/db/client";
import { crmSuppressions } from "@/server/db/schema";
import { escapeLike } from "@/shared/text";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { NotFoundError } from "../errors";

export const ZSuppressionEmail = z.object({
  email: z
    .email("Enter an email address")
    .max(320)
    .transform((e) => e.toLowerCase()),
});

/** Which of these addresses are suppressed, and why (keys lower-cased). */
export async function suppressionsOf(db: DbOrTx, emails: string[]): Promise<Map<string, string>> {
  const lower = [...new Set(emails.map((e) => e.toLowerCase()))];
  if (!lower.length) return new Map();
  const rows = await db
    .select({ email: crmSuppressions.email, reason: crmSuppressions.reason })
    .from(crmSuppressions)
    .where(inArray(crmSuppressions.email, lower));
  return new Map(rows.map((r) => [r.email, r.reason]));
}

/** Suppressed addresses, newest first, optionally matching a search. */
export async function listSuppressions({ ctx, input }: TServiceArgs<{ search?: string }>) {
  return ctx.db
    .select()
    .from(crmSuppressions)
    .where(input.search ? ilike(crmSuppressions.email, `%${escapeLike(input.search)}%`) : undefined)
    .orderBy(desc(crmSuppressions.createdAt))
    .limit(200);
}

/** An admin stops marketing email to an address (reason "manual"); an existing suppression is kept as it is. */
export async function addSuppression({ ctx, input }: TServiceArgs<{ email: string }, AdminActor>) {
  const { email } = input;
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(crmSuppressions).values({ email, reason: "manual" }).onConflictDoNothing().returning();
    if (row)
      await writeAuditLog(tx, ctx.actor, { action: "email.suppressed", targetType: "email", targetId: email, after: { reason: "manual" } });
    return { email, added: Boolean(row) };
  });
}

/** Lifts a suppression (for example after a mistaken complaint); recorded in the audit log with its reason. */
export async function removeSuppression({ ctx, input }: TServiceArgs<{ email: string }, AdminActor>) {
  const { email } = input;
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.delete(crmSuppressions).where(eq(crmSuppressions.email, email)).returning();
    if (!row) throw new NotFoundError("That address is not suppressed");
    await writeAuditLog(tx, ctx.actor, {
      action: "email.unsuppressed",
      targetType: "email",
      targetId: email,
      before: { reason: row.reason },
    });
    return { email };
  });
}
