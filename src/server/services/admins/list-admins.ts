import { asc } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmAdmins } from "@/server/db/schema";

export async function listAdmins(db: DbOrTx) {
  return db
    .select({
      id: crmAdmins.id,
      email: crmAdmins.email,
      name: crmAdmins.name,
      role: crmAdmins.role,
      createdAt: crmAdmins.createdAt,
      lastSignInAt: crmAdmins.lastSignInAt,
    })
    .from(crmAdmins)
    .orderBy(asc(crmAdmins.email));
}
export type TAdminListItem = Awaited<ReturnType<typeof listAdmins>>[number];
