import { eq } from "drizzle-orm";
import type { Db } from "@/server/db/client";
import { crmAdmins } from "@/server/db/schema";
import { writeAuditLog } from "../audit/write-audit-log";
import { systemActor } from "../context";

/**
 * Makes sure the CRM has an owner: with none, the configured address
 * (CRM_OWNER_EMAIL, or the local default) becomes one. Idempotent, and safe
 * when several instances start at once (the unique email index decides).
 */
export async function ensureBootstrapOwner(db: Db, email: string): Promise<void> {
  const normalized = email.trim().toLowerCase();
  await db.transaction(async (tx) => {
    const owners = await tx.select({ id: crmAdmins.id }).from(crmAdmins).where(eq(crmAdmins.role, "owner")).limit(1);
    if (owners.length > 0) return;
    const [existing] = await tx.select().from(crmAdmins).where(eq(crmAdmins.email, normalized)).for("update");
    if (existing) {
      await tx.update(crmAdmins).set({ role: "owner" }).where(eq(crmAdmins.id, existing.id));
      await writeAuditLog(tx, systemActor("bootstrap"), {
        action: "admin.role_changed",
        targetType: "admin",
        targetId: existing.id,
        before: { role: existing.role },
        after: { role: "owner" },
      });
      return;
    }
    const [created] = await tx
      .insert(crmAdmins)
      .values({ email: normalized, name: "Owner", role: "owner" })
      .onConflictDoNothing()
      .returning({ id: crmAdmins.id });
    if (created) {
      await writeAuditLog(tx, systemActor("bootstrap"), {
        action: "admin.invited",
        targetType: "admin",
        targetId: created.id,
        after: { email: normalized, role: "owner" },
      });
    }
  });
}
