import { type SQL, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import {
  type TCampaignRecipientsInput,
  type TRecipientFilter,
  ZCampaignRecipientsInput,
  ZRecipientsQuery,
} from "@/shared/schemas/campaigns";
import { escapeLike } from "@/shared/text";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { InvalidInputError } from "../errors";
import { csvField } from "../users/export-users-csv";
import { getCampaign } from "./manage-campaigns";

/** An unsubscribe counts for a campaign when it came after the campaign reached the address (as in the funnel). */
const UNSUBSCRIBED = sql`EXISTS (SELECT 1 FROM crm_suppressions x WHERE x.email = lower(t.email) AND x.reason = 'unsubscribed' AND x.created_at >= t.sent_at)`;

/**
 * Each filter is the funnel's definition of that stage (campaign-report.ts), so counts agree. Unsubscribed (UNSUBSCRIBED)
 * is read from the unsubscribes instead: unsubscribedRows.
 */
const FILTER: Record<Exclude<TRecipientFilter, "unsubscribed">, SQL> = {
  all: sql`true`,
  queued: sql`t.status = 'queued'`,
  sent: sql`t.sent_at IS NOT NULL`,
  delivered: sql`(t.delivered_at IS NOT NULL OR t.first_opened_at IS NOT NULL OR t.first_clicked_at IS NOT NULL)`,
  opened: sql`(t.first_opened_at IS NOT NULL OR t.first_clicked_at IS NOT NULL)`,
  not_opened: sql`(t.sent_at IS NOT NULL AND t.bounced_at IS NULL AND t.provider_failed_at IS NULL AND t.first_opened_at IS NULL AND t.first_clicked_at IS NULL)`,
  clicked: sql`t.first_clicked_at IS NOT NULL`,
  bounced: sql`t.bounced_at IS NOT NULL`,
  complained: sql`t.complained_at IS NOT NULL`,
  failed: sql`(t.status = 'failed' OR t.provider_failed_at IS NOT NULL)`,
};

type TRow = {
  id: string;
  user_id: string;
  email: string;
  name: string | null;
  status: string;
  sent_at: Date | string | null;
  delivered_at: Date | string | null;
  first_opened_at: Date | string | null;
  open_count: number;
  first_clicked_at: Date | string | null;
  click_count: number;
  bounced_at: Date | string | null;
  complained_at: Date | string | null;
  provider_failed_at: Date | string | null;
  error: string | null;
  unsubscribed: boolean;
  links: string[] | null;
  bounce_reason: string | null;
  devices: number | string;
  devices_accepted: number | string;
};

const date = (v: Date | string | null) => (v === null ? null : new Date(v));

function toItem(r: TRow) {
  return {
    trackingId: r.id,
    userId: r.user_id,
    email: r.email,
    name: r.name,
    status: r.status,
    sentAt: date(r.sent_at),
    deliveredAt: date(r.delivered_at),
    firstOpenedAt: date(r.first_opened_at),
    openCount: Number(r.open_count),
    firstClickedAt: date(r.first_clicked_at),
    clickCount: Number(r.click_count),
    links: r.links ?? [],
    bouncedAt: date(r.bounced_at),
    complainedAt: date(r.complained_at),
    failedAt: date(r.provider_failed_at),
    unsubscribed: Boolean(r.unsubscribed),
    /** Push: devices sent to, and accepted by their push service. */
    devices: Number(r.devices ?? 0),
    devicesAccepted: Number(r.devices_accepted ?? 0),
    /** Why it did not arrive: the bounce message, or the send error. */
    reason: r.bounce_reason ?? r.error,
  };
}
export type TRecipientItem = ReturnType<typeof toItem>;

const encodeCursor = (email: string, id: string) => Buffer.from(JSON.stringify([email, id])).toString("base64url");
function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && typeof v[0] === "string" && typeof v[1] === "string" && /^[0-9a-f-]{36}$/i.test(v[1])) return [v[0], v[1]];
  } catch {}
  throw new InvalidInputError("The page cursor is not valid: reload the list");
}

/**
 * A page of the recipients who unsubscribed after the campaign reached them (UNSUBSCRIBED), found from the
 * unsubscribes rather than by probing every recipient: walking a million recipients in address order to find a
 * few thousand unsubscribed (or none) read 413,592 pages, 2 s at 1M users. An address stored in lower case (as
 * unsubscribes are) is found by walking the unsubscribes in address order from the page's start, each looked up
 * in the campaign's (campaign, address) index; one with capitals, through the index of those addresses only
 * (crm_campaign_tracking_mixed_case_idx). The two are disjoint and merged in address order.
 */
function unsubscribedRows(where: SQL[], fromEmail: string | undefined, limit: number): SQL {
  const on = sql.join(where, sql` AND `);
  return sql`(SELECT t.* FROM crm_suppressions x
        CROSS JOIN LATERAL (SELECT * FROM crm_campaign_tracking t WHERE t.email = x.email AND ${on} AND t.sent_at <= x.created_at) t
        WHERE x.reason = 'unsubscribed'${fromEmail === undefined ? sql`` : sql` AND x.email >= ${fromEmail}`}
        ORDER BY x.email, t.id LIMIT ${limit})
      UNION ALL
      (SELECT * FROM crm_campaign_tracking t WHERE t.email <> lower(t.email) AND ${on} AND ${UNSUBSCRIBED}
        ORDER BY t.email, t.id LIMIT ${limit})
      ORDER BY email, id LIMIT ${limit}`;
}

/**
 * One page of a campaign's recipients, by address then id (keyset: the
 * (campaign_id, email, id) index walks to the page, whatever its depth).
 * Names come from the main app for the page's rows only; links clicked and
 * the bounce message from the stored provider events of those rows.
 */
async function recipientsPage(
  db: DbOrTx,
  opts: { campaignId: string; filter: TRecipientFilter; search?: string; cursor?: string; limit: number },
) {
  const where = [sql`t.campaign_id = ${opts.campaignId}::uuid`];
  if (opts.search) {
    // Through the main app's users and their trigram indexes (the users search uses them too): fast for
    // one address and for no match, and a name finds its recipient. Their current address, not the one sent to.
    const pattern = `%${escapeLike(opts.search)}%`;
    where.push(sql`t.user_id IN (SELECT u.id FROM ${srcSchema()}.users u WHERE u.email ILIKE ${pattern} OR u.name ILIKE ${pattern})`);
  }
  const cursor = opts.cursor ? decodeCursor(opts.cursor) : null;
  if (cursor) where.push(sql`(t.email, t.id) > (${cursor[0]}, ${cursor[1]}::uuid)`);
  const rows = await executeRows<TRow>(
    db,
    sql`SELECT t.id, t.user_id, t.email, u.name, t.status, t.sent_at, t.delivered_at, t.first_opened_at, t.open_count,
          t.first_clicked_at, t.click_count, t.bounced_at, t.complained_at, t.provider_failed_at, t.error,
          ${UNSUBSCRIBED} AS unsubscribed,
          -- Events are read only for the rows that have some (a few in a hundred), not probed for every row.
          CASE WHEN t.click_count > 0 THEN (SELECT array_agg(DISTINCT e.link ORDER BY e.link) FROM crm_provider_events e
            WHERE e.tracking_id = t.id AND e.type IN ('email.clicked', 'in_app.clicked', 'push.clicked') AND e.link IS NOT NULL) END AS links,
          -- Push: the recipient's devices, and how many a push service accepted (none for other channels).
          (SELECT count(*) FROM crm_push_deliveries d WHERE d.tracking_id = t.id) AS devices,
          (SELECT count(*) FROM crm_push_deliveries d WHERE d.tracking_id = t.id AND d.status = 'accepted') AS devices_accepted,
          CASE WHEN t.bounced_at IS NOT NULL THEN (SELECT coalesce(e.payload #>> '{data,bounce,message}', e.payload #>> '{data,bounce,type}')
            FROM crm_provider_events e WHERE e.tracking_id = t.id AND e.type = 'email.bounced'
            ORDER BY e.occurred_at DESC, e.received_at DESC LIMIT 1) END AS bounce_reason
        FROM (${
          opts.filter === "unsubscribed"
            ? unsubscribedRows(where, cursor?.[0], opts.limit + 1)
            : sql`SELECT * FROM crm_campaign_tracking t WHERE ${sql.join([...where, FILTER[opts.filter]], sql` AND `)}
                ORDER BY t.email, t.id LIMIT ${opts.limit + 1}`
        }) t
        LEFT JOIN ${srcSchema()}.users u ON u.id = t.user_id
        ORDER BY t.email, t.id`,
  );
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return { items: page.map(toItem), nextCursor: rows.length > opts.limit && last ? encodeCursor(last.email, last.id) : null };
}

/** The campaign's recipients table: filtered by stage, searched by address or name, paged by keyset. */
export async function listCampaignRecipients({ ctx, input: raw }: TServiceArgs<TCampaignRecipientsInput>) {
  const input = ZCampaignRecipientsInput.parse(raw);
  await getCampaign({ ctx, input: { id: input.id } }); // NOT_FOUND for an unknown campaign, not an empty table
  return recipientsPage(ctx.db, { campaignId: input.id, ...input });
}

export const RECIPIENTS_CSV_HEADER = [
  "email",
  "user_id",
  "name",
  "status",
  "sent_at",
  "delivered_at",
  "first_opened_at",
  "open_count",
  "first_clicked_at",
  "click_count",
  "links_clicked",
  "bounced_at",
  "complained_at",
  "failed_at",
  "unsubscribed",
  "reason",
] as const;

const iso = (d: Date | null) => d?.toISOString() ?? null;
const csvRow = (r: TRecipientItem) =>
  [
    r.email,
    r.userId,
    r.name,
    r.status,
    iso(r.sentAt),
    iso(r.deliveredAt),
    iso(r.firstOpenedAt),
    r.openCount,
    iso(r.firstClickedAt),
    r.clickCount,
    r.links.join(" "),
    iso(r.bouncedAt),
    iso(r.complainedAt),
    iso(r.failedAt),
    r.unsubscribed ? "yes" : "no",
    r.reason,
  ]
    .map(csvField)
    .join(",");

/**
 * The filtered recipients as CSV, read page by page by keyset (memory stays
 * at one page), recorded in the audit log first: it carries addresses out.
 */
export async function startRecipientsExport({
  ctx,
  input: raw,
}: TServiceArgs<{ id: string; filter?: TRecipientFilter; search?: string }, AdminActor>) {
  const query = ZRecipientsQuery.parse(raw);
  const c = await getCampaign({ ctx, input: { id: raw.id } });
  await writeAuditLog(ctx.db, ctx.actor, { action: "campaign.recipients_exported", targetType: "campaign", targetId: c.id, after: query });
  const db = ctx.db;
  async function* rows(): AsyncGenerator<string> {
    yield `${RECIPIENTS_CSV_HEADER.join(",")}\r\n`;
    let cursor: string | undefined;
    do {
      const page = await recipientsPage(db, { campaignId: c.id, ...query, cursor, limit: 2_000 });
      if (page.items.length) yield `${page.items.map(csvRow).join("\r\n")}\r\n`;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return { campaignName: c.name, rows: rows() };
}
