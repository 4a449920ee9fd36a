import { desc } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmUserSegments } from "@/server/db/schema";

export async function listSegments(db: DbOrTx) {
  return db
    .select({
      id: crmUserSegments.id,
      name: crmUserSegments.name,
      description: crmUserSegments.description,
      userCount: crmUserSegments.userCount,
      createdAt: crmUserSegments.createdAt,
    })
    .from(crmUserSegments)
    .orderBy(desc(crmUserSegments.createdAt));
}
