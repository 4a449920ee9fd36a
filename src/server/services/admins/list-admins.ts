import { asc } from "drizzle-orm";
import { crmAdmins } from "@/server/db/schema";
import type { TServiceArgs } from "../context";

export async function listAdmins({ ctx }: TServiceArgs<void>) {
  return ctx.db
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
