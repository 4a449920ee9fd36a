import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { env } from "@/lib/env";
import { executeRows } from "@/server/db/client";
import type { TServiceArgs } from "../context";
import { InvalidInputError, NotFoundError } from "../errors";
import { pushTargetProblem, verifyClickToken } from "./push-links";

/** Clicks counted per device's notification; more still redirect. */
export const MAX_CLICKS_PER_DELIVERY = 20;

/**
 * A click on a notification (GET /api/push/click/<token>): recorded on the
 * device's delivery, on the campaign's recipient (first click, count; the
 * event in crm_provider_events as push.clicked, so clicks per hour and per
 * link come from where email's do) or on the one-on-one message, then the
 * target to redirect to. The target comes from the database and must still
 * be on an allowed origin; a forged token is a NotFoundError, a target no
 * longer allowed an InvalidInputError, and neither records anything.
 */
export async function recordPushClick({ ctx, input }: TServiceArgs<{ token: string }>): Promise<{ target: string }> {
  const deliveryId = verifyClickToken(input.token);
  if (!deliveryId) throw new NotFoundError("This notification link is not valid");
  const [d] = await executeRows<{
    id: string;
    campaign_id: string | null;
    tracking_id: string | null;
    message_id: string | null;
    target: string | null;
  }>(
    ctx.db,
    sql`SELECT d.id, d.campaign_id, d.tracking_id, d.message_id, coalesce(c.push_url, m.link_url) AS target
        FROM crm_push_deliveries d
        LEFT JOIN crm_campaigns c ON c.id = d.campaign_id
        LEFT JOIN crm_messages m ON m.id = d.message_id
        WHERE d.id = ${deliveryId}::uuid`,
  );
  if (!d) throw new NotFoundError("This notification link is not valid");
  const target = d.target ?? env().MAIN_APP_URL;
  if (pushTargetProblem(target)) throw new InvalidInputError("This notification's link leads to a site that is no longer allowed");
  const at = sql`${ctx.clock().toISOString()}::timestamptz`;
  await ctx.db.transaction(async (tx) => {
    // Counted up to MAX_CLICKS_PER_DELIVERY per device: a link clicked (or replayed) again and again still
    // redirects, but writes nothing more to the shared database.
    const [counted] = await executeRows<{ id: string }>(
      tx,
      sql`UPDATE crm_push_deliveries SET first_clicked_at = least(coalesce(first_clicked_at, ${at}), ${at}),
          click_count = click_count + 1 WHERE id = ${d.id}::uuid AND click_count < ${MAX_CLICKS_PER_DELIVERY} RETURNING id`,
    );
    if (!counted) return;
    if (d.tracking_id && d.campaign_id) {
      await tx.execute(sql`UPDATE crm_campaign_tracking SET first_clicked_at = least(coalesce(first_clicked_at, ${at}), ${at}),
          click_count = click_count + 1, status = 'clicked' WHERE id = ${d.tracking_id}::uuid`);
      await tx.execute(sql`
        INSERT INTO crm_provider_events (svix_id, type, campaign_id, tracking_id, link, occurred_at, payload)
        VALUES (${`push-${randomUUID()}`}, 'push.clicked', ${d.campaign_id}::uuid, ${d.tracking_id}::uuid, ${target}, ${at},
                ${JSON.stringify({ deliveryId: d.id, link: target })}::jsonb)`);
    }
    if (d.message_id) {
      await tx.execute(
        sql`UPDATE crm_messages SET clicked_at = least(coalesce(clicked_at, ${at}), ${at}) WHERE id = ${d.message_id}::uuid`,
      );
    }
  });
  return { target };
}
