import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { escapeLike, normalizeTag } from "@/shared/text";
import type { TServiceArgs } from "../context";

/** Tags already in use that start with `prefix`, most used first, for autocomplete. */
export async function suggestTags({
  ctx,
  input,
}: TServiceArgs<{ prefix: string; limit: number }>): Promise<{ tag: string; users: number }[]> {
  const { db } = ctx;
  const pattern = `${escapeLike(normalizeTag(input.prefix))}%`;
  const rows = await executeRows<{ tag: string; users: string }>(
    db,
    sql`SELECT tag, count(*) AS users FROM crm_user_metadata, unnest(tags) AS tag
        WHERE tag LIKE ${pattern} GROUP BY tag ORDER BY count(*) DESC, tag LIMIT ${input.limit}`,
  );
  return rows.map((r) => ({ tag: r.tag, users: Number(r.users) }));
}

/** Plans present in the data (for the plan filter), 'free' first. */
export async function listPlans({ ctx }: TServiceArgs<void>): Promise<string[]> {
  const { db } = ctx;
  const rows = await executeRows<{ plan: string }>(db, sql`SELECT DISTINCT plan FROM crm_user_stats`);
  return [
    "free",
    ...rows
      .map((r) => r.plan)
      .filter((p) => p !== "free")
      .sort(),
  ];
}
