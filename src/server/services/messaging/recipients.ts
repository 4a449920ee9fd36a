import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";

export type TRecipient = { id: string; email: string; name: string | null; plan: string };

/** Main-app users by id, with the plan of their latest subscription ('free' without one). */
export async function loadRecipients(db: DbOrTx, userIds: string[]): Promise<Map<string, TRecipient>> {
  if (!userIds.length) return new Map();
  const S = srcSchema();
  const rows = await executeRows<TRecipient>(
    db,
    sql`SELECT u.id, u.email, u.name, coalesce(sub.plan, 'free') AS plan FROM ${S}.users u
        LEFT JOIN LATERAL (SELECT plan FROM ${S}.subscriptions s WHERE s.user_id = u.id ORDER BY started_at DESC, id DESC LIMIT 1) sub ON true
        WHERE u.id IN (${sql.join(
          userIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** Stand-in reader for previews and test sends. */
export const SAMPLE_RECIPIENT: TRecipient = {
  id: "00000000-0000-4000-8000-000000000000",
  email: "alex.rivera@example.com",
  name: "Alex Rivera",
  plan: "pro",
};
