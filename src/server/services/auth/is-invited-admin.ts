import { eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/server/db/client";
import { crmAdmins } from "@/server/db/schema";
import { writeAuditLog } from "../audit/write-audit-log";

/** Only invited admins may sign in. */
export async function isInvitedAdmin(db: DbOrTx, email: string): Promise<boolean> {
  const [row] = await db.select({ id: crmAdmins.id }).from(crmAdmins).where(eq(crmAdmins.email, email.trim().toLowerCase())).limit(1);
  return Boolean(row);
}

/** Notes the sign-in on the admin row and in the audit log, together. */
export async function recordSignIn(db: Db, adminId: string) {
  await db.transaction(async (tx) => {
    const [admin] = await tx
      .update(crmAdmins)
      .set({ lastSignInAt: sql`now()` })
      .where(eq(crmAdmins.id, adminId))
      .returning({ id: crmAdmins.id, email: crmAdmins.email, role: crmAdmins.role });
    if (admin) await writeAuditLog(tx, { type: "admin", ...admin }, { action: "admin.signed_in", targetType: "admin", targetId: admin.id });
  });
}
