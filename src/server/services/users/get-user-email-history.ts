import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import type { TServiceArgs } from "../context";

type TRow = {
  source: "campaign" | "email";
  id: string;
  ref_id: string;
  title: string;
  channel: string;
  status: string;
  at: Date | string | null;
  opened_at: Date | string | null;
  clicked_at: Date | string | null;
  open_count: number;
  click_count: number;
};
const date = (v: Date | string | null) => (v === null ? null : new Date(v));

/**
 * Everything the CRM sent the user, newest first: every campaign they were
 * a recipient of (email or in-app, with its outcome: the recipient's status,
 * first open and click) and every template or one-on-one email. At most 100,
 * each read through its (user_id, time) index.
 */
export async function getUserEmailHistory({ ctx, input }: TServiceArgs<{ userId: string }>) {
  const rows = await executeRows<TRow>(
    ctx.db,
    sql`(SELECT 'campaign' AS source, t.id::text AS id, t.campaign_id::text AS ref_id, c.name AS title, c.type AS channel, t.status,
            coalesce(t.sent_at, c.started_at) AS at, least(t.first_opened_at, t.first_clicked_at) AS opened_at,
            t.first_clicked_at AS clicked_at, t.open_count, t.click_count
          FROM crm_campaign_tracking t JOIN crm_campaigns c ON c.id = t.campaign_id
          WHERE t.user_id = ${input.userId}::uuid ORDER BY t.sent_at DESC NULLS FIRST LIMIT 100)
        UNION ALL
        (SELECT 'email', m.id::text, coalesce(m.template_id::text, ''), coalesce(m.subject, '(no subject)'), m.channel, m.status,
            m.created_at, NULL, NULL, 0, 0
          FROM crm_messages m
          WHERE m.user_id = ${input.userId}::uuid AND m.direction = 'outbound' AND m.channel = 'email'
          ORDER BY m.created_at DESC LIMIT 100)
        ORDER BY at DESC NULLS FIRST LIMIT 100`,
  );
  return rows.map((r) => ({
    source: r.source,
    id: r.id,
    /** The campaign's id, or the template's ('' for a one-on-one email). */
    refId: r.ref_id,
    title: r.title,
    channel: r.channel,
    status: r.status,
    at: date(r.at),
    openedAt: date(r.opened_at),
    clickedAt: date(r.clicked_at),
    openCount: Number(r.open_count),
    clickCount: Number(r.click_count),
  }));
}
export type TUserEmailHistoryItem = Awaited<ReturnType<typeof getUserEmailHistory>>[number];
