import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";

/**
 * A user read or clicked an in-app campaign message (the main app reported
 * it). The recipient row keeps the first read (as the funnel's "opened") and
 * the first click, with counts, like an email's; a click implies a read. The
 * event is also stored in crm_provider_events (types in_app.read,
 * in_app.clicked) so reads and clicks per hour and clicks per link come from
 * the same place as email's.
 */
export async function recordInAppEngagement(
  tx: DbOrTx,
  input: { campaignId: string; userId: string; kind: "read" | "click"; at: Date; link?: string | null },
) {
  const at = sql`${input.at.toISOString()}::timestamptz`;
  const click = input.kind === "click";
  const [row] = await executeRows<{ id: string }>(
    tx,
    sql`UPDATE crm_campaign_tracking t SET
          first_opened_at = least(coalesce(t.first_opened_at, ${at}), ${at}),
          open_count = t.open_count + ${click ? 0 : 1},
          first_clicked_at = ${click ? sql`least(coalesce(t.first_clicked_at, ${at}), ${at})` : sql`t.first_clicked_at`},
          click_count = t.click_count + ${click ? 1 : 0},
          status = CASE WHEN ${click ? sql`true` : sql`t.first_clicked_at IS NOT NULL`} THEN 'clicked' ELSE 'opened' END
        WHERE t.campaign_id = ${input.campaignId}::uuid AND t.user_id = ${input.userId}::uuid AND t.sent_at IS NOT NULL
        RETURNING t.id`,
  );
  if (!row) return false;
  await tx.execute(sql`
    INSERT INTO crm_provider_events (svix_id, type, campaign_id, tracking_id, link, occurred_at, payload)
    VALUES (${`in-app-${randomUUID()}`}, ${click ? "in_app.clicked" : "in_app.read"}, ${input.campaignId}::uuid, ${row.id}::uuid,
            ${input.link ?? null}, ${at}, ${JSON.stringify({ kind: input.kind, link: input.link ?? null })}::jsonb)`);
  return true;
}
