import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmAdmins } from "@/server/db/schema";

/** Only invited admins may sign in. */
export async function isInvitedAdmin(db: DbOrTx, email: string): Promise<boolean> {
  const [row] = await db.select({ id: crmAdmins.id }).from(crmAdmins).where(eq(crmAdmins.email, email.trim().toLowerCase())).limit(1);
  return Boolean(row);
}

export async function recordSignIn(db: DbOrTx, adminId: string) {
  await db.update(crmAdmins).set({ lastSignInAt: sql`now()` }).where(eq(crmAdmins.id, adminId));
}
