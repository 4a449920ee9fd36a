import { createCaller } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import type { Db } from "@/server/db/client";
import { crmAdmins } from "@/server/db/schema";
import type { TAdminRole } from "@/shared/enums";

export type TTestAdmin = { id: string; email: string; role: TAdminRole };

/** Real admin rows, one per role, for callers in tests. */
export async function createAdmins(db: Db, prefix = "t") {
  const rows = await db
    .insert(crmAdmins)
    .values(
      (["owner", "admin", "viewer"] as const).map((role) => ({ email: `${prefix}-${role}@example.com`, role, name: `${role} ${prefix}` })),
    )
    .returning({ id: crmAdmins.id, email: crmAdmins.email, role: crmAdmins.role });
  const byRole = Object.fromEntries(rows.map((r) => [r.role, r])) as Record<TAdminRole, TTestAdmin>;
  return byRole;
}

export const callerFor = (db: Db, admin: TTestAdmin | null) => createCaller(createContext(db, admin));
